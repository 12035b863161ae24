#include "cshims.h"
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
