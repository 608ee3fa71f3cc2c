/* dmasim kernel-vectors: our own minimal kernel types for user-space builds (not kernel source). */
#ifndef KV_TYPES_H
#define KV_TYPES_H
#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int64_t s64;
#ifdef KV_ADDR32
typedef u32 phys_addr_t;
typedef u32 dma_addr_t;
#else
typedef u64 phys_addr_t;
typedef u64 dma_addr_t;
#endif
#ifndef PAGE_SHIFT
#define PAGE_SHIFT 12
#endif
#define PAGE_SIZE (1UL << PAGE_SHIFT)
#define PFN_PHYS(x) ((phys_addr_t)(x) << PAGE_SHIFT)
#define PHYS_PFN(x) ((unsigned long)((x) >> PAGE_SHIFT))
#define IS_ENABLED(option) KV_IS_ENABLED_##option
#define KV_IS_ENABLED_CONFIG_ARCH_DMA_ADDR_T_64BIT KV_DMA64
#define KV_IS_ENABLED_CONFIG_MMU 1
#define KV_IS_ENABLED_CONFIG_DEBUG_VIRTUAL 0
#define KV_IS_ENABLED_CONFIG_SPARSEMEM_VMEMMAP 1
#define KV_IS_ENABLED_CONFIG_ZONE_DMA 1 /* 6.1+ arm64 memory.h (crash kernel reservation); no effect on the conversions */
#define KV_IS_ENABLED_CONFIG_ZONE_DMA32 1
#define min(a, b) ((a) < (b) ? (a) : (b))
#define max(a, b) ((a) > (b) ? (a) : (b)) /* 6.12+ dma-direct.h dma_range_map_max */
#define U64_MAX ((u64)~0ULL)
#define min_not_zero(x, y) ({ __typeof__(x) __x = (x); __typeof__(y) __y = (y); __x == 0 ? __y : ((__y == 0) ? __x : min(__x, __y)); })
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define DMA_MAPPING_ERROR (~(dma_addr_t)0)
#define DMA_BIT_MASK(n) (((n) == 64) ? ~0ULL : ((1ULL << (n)) - 1))
#endif
