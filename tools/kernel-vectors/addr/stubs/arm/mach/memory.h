/* dmasim kernel-vectors stub: no mach-specific memory.h */
