/**
 * One `dmasim bench` worker thread: boots its own model, binds the device to the benchmark (sets
 * the mask), says it is ready, and on "go" runs its share of the benchmark kthreads for the given
 * time, then restores the mask and posts the accumulators. See src/cli/bench.ts.
 */
import { parentPort, workerData } from "node:worker_threads";
import { boot } from "../init.js";
import { buildConfig, resolveKernel, resolvePlatform } from "../scenario/config.js";
import { map_benchmark_acc, map_benchmark_restore_mask, map_benchmark_run, map_benchmark_set_mask } from "../kernel/dma/map-benchmark.js";
import type { MainToWorker, WorkerData, WorkerToMain } from "./bench.js";
import { KernelFault } from "../core/faults.js";

/** -EFAULT: what the benchmark reports when a modelled oops/BUG stops a kthread (the CLI exits 1). */
const EFAULT = -14;

/** Run `f`; a modelled kernel fault (oops, BUG, panic) becomes a failed result, not a worker crash. */
function guarded<T extends { ret: number; log: string[] }>(f: () => T, fallback: Omit<T, "ret" | "log">): T {
  try {
    return f();
  } catch (e) {
    if (!(e instanceof KernelFault)) throw e;
    const r = e.record;
    return { ...fallback, ret: EFAULT, log: [`${r.kind === "oops" ? "Oops" : r.kind === "bug" ? "BUG" : "Kernel panic"}: ${r.message}${r.pc ? ` (pc: ${r.pc})` : ""}`] } as T;
  }
}

const port = parentPort!;
const { job, kthreads } = workerData as WorkerData;

const post = (m: WorkerToMain) => port.postMessage(m);

const platform = resolvePlatform(job.platform);
const k = boot(platform, resolveKernel(job.kernel), buildConfig(platform, job.set).cfg);
const dev = k.devices.get(job.device)!;
const mask: { ret: number; old: bigint | null; log: string[] } = map_benchmark_set_mask(k, dev, job.bp.dma_bits);
if (mask.ret !== 0) post({ type: "error", ret: mask.ret, log: mask.log });
else {
  // Untimed warm-up (not part of the kernel's run): let the JIT compile the map/unmap paths and,
  // when mappings bounce, let the slot search go once round the whole swiotlb pool, so the timed
  // loop does not pay for the first touch of the pool's frames (host memory the model allocates on
  // first write). At least 2,000 loops; at most 5 s.
  const mem = k.io_tlb_default_mem;
  const slotsPerLoop = Math.max(1, Math.ceil((job.bp.granule * 4096) / 2048));
  const roundPool = mem ? Math.ceil(mem.nslabs / slotsPerLoop) + kthreads : 0;
  const warm = guarded(() => map_benchmark_run(k, dev, job.bp, { now: () => performance.now(), durationMs: 5000, kthreads, maxLoops: Math.max(2000, roundPool) }), { acc: map_benchmark_acc() });
  if (warm.ret !== 0) {
    mask.ret = warm.ret;
    post({ type: "error", ret: warm.ret, log: warm.log });
  } else post({ type: "ready" });
}

port.once("message", (m: MainToWorker) => {
  if (mask.ret !== 0 || m.durationMs <= 0) {
    post({ type: "done", ret: mask.ret, log: [], acc: map_benchmark_acc() });
    return;
  }
  const r = guarded(() => map_benchmark_run(k, dev, job.bp, { now: () => performance.now(), durationMs: m.durationMs, kthreads }), { acc: map_benchmark_acc() });
  map_benchmark_restore_mask(k, dev, mask.old);
  post({ type: "done", ret: r.ret, log: r.log, acc: r.acc });
});
