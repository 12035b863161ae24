// Blocks SIGTERM, SIGINT and SIGHUP for `telemetryd run` before main() and before any thread exists, so that
// every thread the Swift runtime, libdispatch or SwiftNIO starts inherits the mask, and the daemon's one sigwait(2)
// thread (Sources/telemetryd/SignalThread.swift) is the only taker. In C because Swift code runs too late: an
// async main's runtime may already have started threads when the first Swift statement executes. glibc passes
// (argc, argv, envp) to constructors.
#include <signal.h>
#include <string.h>
#include "run_signals.h"

static int blocked = 0;

__attribute__((constructor))
static void telemetryd_block_run_signals(int argc, char **argv, char **envp) {
    (void)envp;
    if (argc < 2 || argv == NULL || argv[1] == NULL || strcmp(argv[1], "run") != 0) return;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    if (pthread_sigmask(SIG_BLOCK, &set, NULL) == 0) blocked = 1;
}

int telemetryd_run_signals_blocked(void) { return blocked; }
