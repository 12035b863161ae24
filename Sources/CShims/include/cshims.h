#ifndef TELEMETRYD_CSHIMS_H
#define TELEMETRYD_CSHIMS_H
#include <stdint.h>

/// Executes CPUID(leaf, subleaf) and stores EAX, EBX, ECX, EDX in regs[0..3].
/// Returns 1 on x86/x86-64 where CPUID exists, 0 elsewhere (regs untouched).
/// Written in C because Swift has no inline assembly.
int telemetryd_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t regs[4]);

/// Number of CPUs this process may run on (sched_getaffinity(2) with a mask grown past 1024 CPUs as
/// needed), or -errno. In C because CPU_COUNT_S and friends are macros Swift cannot import.
int telemetryd_affinity_count(void);

/// Seconds since boot from sysinfo(2), or -errno. In C because <sys/sysinfo.h> is not in the Glibc module.
long long telemetryd_sysinfo_uptime(void);

/// malloc_trim(0): gives the free pages of every malloc arena back to the kernel; 1 when some were released.
/// In C because <malloc.h> is not in the Glibc module.
int telemetryd_malloc_trim(void);

#endif
