#define _GNU_SOURCE
#include <malloc.h>
#include "cshims.h"
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/sysinfo.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
int telemetryd_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t regs[4]) {
    unsigned int a = 0, b = 0, c = 0, d = 0;
    __cpuid_count(leaf, subleaf, a, b, c, d);
    regs[0] = a; regs[1] = b; regs[2] = c; regs[3] = d;
    return 1;
}
#else
int telemetryd_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t regs[4]) {
    (void)leaf; (void)subleaf; (void)regs;
    return 0;
}
#endif

int telemetryd_affinity_count(void) {
    /* Start at 1024 CPUs like glibc's cpu_set_t and grow for bigger hosts (EINVAL = mask too small). */
    for (int ncpus = 1024; ncpus <= (1 << 20); ncpus *= 2) {
        cpu_set_t *set = CPU_ALLOC(ncpus);
        if (set == NULL) return -ENOMEM;
        size_t size = CPU_ALLOC_SIZE(ncpus);
        CPU_ZERO_S(size, set);
        if (sched_getaffinity(0, size, set) == 0) {
            int n = CPU_COUNT_S(size, set);
            CPU_FREE(set);
            return n;
        }
        int e = errno;
        CPU_FREE(set);
        if (e != EINVAL) return -e;
    }
    return -EINVAL;
}

long long telemetryd_sysinfo_uptime(void) {
    struct sysinfo s;
    if (sysinfo(&s) != 0) return -errno;
    return (long long)s.uptime;
}

int telemetryd_malloc_trim(void) {
    return malloc_trim(0);
}
