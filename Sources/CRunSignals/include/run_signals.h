#ifndef TELEMETRYD_RUN_SIGNALS_H
#define TELEMETRYD_RUN_SIGNALS_H
#include <pthread.h>
/// 1 when the constructor blocked SIGTERM/SIGINT/SIGHUP at load time (argv[1] was "run").
int telemetryd_run_signals_blocked(void);
#endif

#ifndef TELEMETRYD_ENQUEUE_HOOK_H
#define TELEMETRYD_ENQUEUE_HOOK_H
/// Routes every job Swift Concurrency enqueues on its global executor to `enqueue` (called with the job pointer).
/// Returns 0 when another hook is already installed. Call before the first task is created.
int telemetryd_install_enqueue_hook(void (*enqueue)(void *job));
#endif
