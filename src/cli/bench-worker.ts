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
import { BootFault, KernelFault, type FaultRecord } from "../core/faults.js";
import type { Kernel } from "../kernel.js";

/** -EFAULT: what the benchmark reports when a modelled oops/BUG stops a kthread (the CLI exits 1). */
const EFAULT = -14;

/**
 * Run `f`; a modelled kernel fault (oops, BUG, panic, soft lockup) that stops a kthread becomes a
 * failed result carrying the fault's record (printed as `run` prints a fault), not a worker crash.
 */
function guarded<T extends { ret: number; log: string[] }>(f: () => T, fallback: Omit<T, "ret" | "log">): T & { fault?: FaultRecord } {
  try {
    return f();
  } catch (e) {
    if (!(e instanceof KernelFault)) throw e;
    // no scenario steps here: the fault is the benchmark kthread's (step -1 is boot's)
    const { step: _step, ...fault } = e.record;
    return { ...fallback, ret: EFAULT, log: [], fault } as unknown as T & { fault?: FaultRecord };
  }
}

const port = parentPort!;
const { job, kthreads } = workerData as WorkerData;

const post = (m: WorkerToMain) => port.postMessage(m);

const platform = resolvePlatform(job.platform);
/** The faults the run recorded since boot (WARNs and the like; a boot fault is its own result), and the one that stopped it. */
const faultsSince = (k: Kernel, from: number, stop?: FaultRecord): FaultRecord[] => [...k.faults.slice(from).map(({ step: _step, ...f }) => f), ...(stop ? [stop] : [])];
let k: Kernel | null = null;
try {
  k = boot(platform, resolveKernel(job.kernel), buildConfig(platform, job.set).cfg);
  // map_benchmark_ioctl's kthreads: kthread_create_on_node(..., "dma-map-benchmark/%d", i), the comm
  // cut to TASK_COMM_LEN - 1 = 15 characters (5.12.9 / 5.15.178 / 6.18 kernel/dma/map_benchmark.c), as a WARN's "Comm:" prints it
  k.current.comm = "dma-map-benchma";
} catch (e) {
  // a modelled panic at boot (an x86 PV dom0 whose swiotlb buffer does not fit): the result, as `run` gives it (step -1)
  if (!(e instanceof BootFault)) throw e;
  post({ type: "error", ret: EFAULT, log: [], faults: [{ ...e.record, step: -1 }] });
}
const booted = k ? k.faults.length : 0;
const dev = k?.devices.get(job.device);
const mask: { ret: number; old: bigint | null; log: string[] } = k && dev ? map_benchmark_set_mask(k, dev, job.bp.dma_bits) : { ret: EFAULT, old: null, log: [] };
if (!k || !dev) {
  // reported above
} else if (mask.ret !== 0) post({ type: "error", ret: mask.ret, log: mask.log, faults: faultsSince(k, booted) });
else {
  // Untimed warm-up (not part of the kernel's run): let the JIT compile the map/unmap paths and,
  // when mappings bounce, let the slot search go once round the whole swiotlb pool, so the timed
  // loop does not pay for the first touch of the pool's frames (host memory the model allocates on
  // first write). At least 2,000 loops; at most 5 s.
  const mem = k.io_tlb_default_mem;
  const slotsPerLoop = Math.max(1, Math.ceil((job.bp.granule * 4096) / 2048));
  const roundPool = mem ? Math.ceil(mem.nslabs / slotsPerLoop) + kthreads : 0;
  const kk = k;
  const warm = guarded(() => map_benchmark_run(kk, dev, job.bp, { now: () => performance.now(), durationMs: 5000, kthreads, maxLoops: Math.max(2000, roundPool) }), { acc: map_benchmark_acc() });
  if (warm.ret !== 0) {
    mask.ret = warm.ret;
    post({ type: "error", ret: warm.ret, log: warm.log, faults: faultsSince(k, booted, warm.fault) });
  } else post({ type: "ready" });
}

port.once("message", (m: MainToWorker) => {
  if (!k || !dev || mask.ret !== 0 || m.durationMs <= 0) {
    post({ type: "done", ret: mask.ret, log: [], faults: [], acc: map_benchmark_acc() });
    return;
  }
  const kk = k;
  const r = guarded(() => map_benchmark_run(kk, dev, job.bp, { now: () => performance.now(), durationMs: m.durationMs, kthreads }), { acc: map_benchmark_acc() });
  if (!r.fault) map_benchmark_restore_mask(k, dev, mask.old);
  post({ type: "done", ret: r.ret, log: r.log, faults: faultsSince(k, booted, r.fault), acc: r.acc });
});
