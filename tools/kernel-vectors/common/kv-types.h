/*
 * dmasim kernel-vectors: the C library headers and the kernel's fixed-width and address types that
 * every target's stubs start from (each stubs/kstub.h includes this first, then adds its own).
 * Our own code (MIT).
 */
#ifndef DMASIM_KV_TYPES_H
#define DMASIM_KV_TYPES_H
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint8_t u8; typedef uint16_t u16; typedef uint32_t u32; typedef uint64_t u64;
typedef int32_t s32; typedef int64_t s64;
typedef u64 dma_addr_t; typedef u64 phys_addr_t;
typedef unsigned int gfp_t;
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#endif
