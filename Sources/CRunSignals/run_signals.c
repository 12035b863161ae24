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

// Swift Concurrency's global-enqueue hook (swift/Runtime/Concurrency.h). SwiftNIO installs its event loops there
// by looking the symbol up with dlsym, which fails in a --static-swift-stdlib executable (the runtime's symbols are
// local there). A direct reference links in either build. The hook is called with the Swift calling convention,
// which for two pointer arguments passes them as the C one does on x86-64 and arm64 (the same assumption NIO makes).
typedef void (*telemetryd_original_enqueue)(void *job);
extern void *swift_task_enqueueGlobal_hook;

static void (*telemetryd_enqueue)(void *job) = 0;

static void telemetryd_enqueue_hook(void *job, telemetryd_original_enqueue original) {
    (void)original;
    telemetryd_enqueue(job);
}

int telemetryd_install_enqueue_hook(void (*enqueue)(void *job)) {
    if (enqueue == 0 || swift_task_enqueueGlobal_hook != 0) return 0;
    telemetryd_enqueue = enqueue;
    __atomic_store_n(&swift_task_enqueueGlobal_hook, (void *)telemetryd_enqueue_hook, __ATOMIC_SEQ_CST);
    return 1;
}
