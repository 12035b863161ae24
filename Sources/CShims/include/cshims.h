#ifndef TELEMETRYD_CSHIMS_H
#define TELEMETRYD_CSHIMS_H
#include <stdint.h>

/// Executes CPUID(leaf, subleaf) and stores EAX, EBX, ECX, EDX in regs[0..3].
/// Returns 1 on x86/x86-64 where CPUID exists, 0 elsewhere (regs untouched).
/// Written in C because Swift has no inline assembly.
int telemetryd_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t regs[4]);

#endif
