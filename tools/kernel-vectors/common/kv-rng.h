/*
 * dmasim kernel-vectors: the drivers' pseudo-random source, shared by every target's driver.
 * splitmix64 over `rng` (the driver sets it to the run's seed); pick(n) is uniform-ish in [0, n),
 * 0 for n == 0. The committed vectors depend on this exact sequence: change it and every target's
 * files must be recorded again. Our own code (MIT).
 */
#ifndef DMASIM_KV_RNG_H
#define DMASIM_KV_RNG_H
#include <stdint.h>

static uint64_t rng;
static uint64_t next(void) { /* splitmix64 */
	uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}
static unsigned long pick(unsigned long n) { return n ? (unsigned long)(next() % n) : 0; }
#endif
