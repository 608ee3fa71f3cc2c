/**
 * `dmasim fuzz`: random but valid streaming-DMA sequences on a booted model, with invariant
 * checks after every operation, and delta-debugging of a failure down to a minimal scenario that
 * `dmasim run` replays.
 *
 * Engine core: no node:* imports.
 *
 * What a run does. A seeded PRNG (mulberry32) drives a generator that plays a well-behaved
 * driver: it allocates buffers (kmalloc, alloc_pages), maps them (dma_map_single, dma_map_page,
 * dma_map_sg; 1 B..256 KiB, any direction), checks the handle (dma_mapping_error), lets the device
 * read and write the mappings it owns, syncs for the CPU and back, lets the CPU read and write
 * the buffers it owns, unmaps and frees — obeying the DMA-API ownership rules (R-STR-*): the CPU
 * never touches a buffer while the device owns a mapping of it, the device touches only mapped,
 * device-owned ranges, and never writes a DMA_TO_DEVICE mapping.
 *
 * Every operation is a scenario step (the same op names and arguments `dmasim run` takes) and is
 * executed exactly as src/scenario/runner.ts executes it, minus the per-step bookkeeping — so the
 * steps of a run are a scenario that reproduces it.
 *
 * Invariants checked after every operation:
 * - data: what the CPU reads (cpu_read) and what the device reads (device_read) equals what the
 *   DMA-API rules promise, from a shadow model of each buffer's contents per ownership state
 *   (bytes the rules leave undefined — e.g. the parts of a DMA_FROM_DEVICE mapping the device did
 *   not write — are not checked; a read is checked up to its first undefined byte);
 * - swiotlb: for each map/unmap that bounced, the slots of an independent occupancy model are
 *   free before a map and taken after it, the touched segment's free-run counters (io_tlb_mem
 *   list[]) equal the ones recomputed from the occupancy model, orig_addr of each slot is the
 *   original's, and used == occupied slots; at the end of each epoch (everything unmapped and
 *   freed) no slot is in use and every counter is back to its boot value;
 * - no fault: no WARN, BUG, oops, bus error, dma-debug report, or unexpected mapping failure.
 *
 * A long run is cut into epochs (default 20,000 operations): each epoch boots a fresh model, so
 * a failure replays from boot with the epoch's steps only.
 */
export { runFuzz } from "./fuzz/run.js";
export { Rng, mulberry32, type FuzzOp, type FuzzStep, type FuzzFailureKind, type FuzzFailure, type FuzzOptions, type FuzzResult } from "./fuzz/types.js";
export { scenarioToYaml } from "./fuzz/yaml.js";
