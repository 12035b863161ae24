#ifndef TELEMETRYD_RUN_SIGNALS_H
#define TELEMETRYD_RUN_SIGNALS_H
#include <pthread.h>
/// 1 when the constructor blocked SIGTERM/SIGINT/SIGHUP at load time (argv[1] was "run").
int telemetryd_run_signals_blocked(void);
#endif
