/* dmasim kernel-vectors stub (6.12+ arm64 memory.h includes it; read_tcr, not called with VA_BITS 48, uses its own asm) */
#ifndef KV_ARM64_SYSREG_H
#define KV_ARM64_SYSREG_H
#endif
