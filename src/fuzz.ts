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
import { buildConfigFrom, resolveKernel, resolvePlatform } from "./scenario/config.js";
import type { Scenario } from "./scenario/types.js";
import { type FuzzFailure, type FuzzOptions, type FuzzResult, type FuzzStep, Rng } from "./fuzz/types.js";
import { type Env, type Failure, Invalid, Session, ShadowPool } from "./fuzz/session.js";
import { Generator, KiB } from "./fuzz/generator.js";
import { makeScenario, replay, shrink } from "./fuzz/shrink.js";
export { Rng, mulberry32, type FuzzOp, type FuzzStep, type FuzzFailureKind, type FuzzFailure, type FuzzOptions, type FuzzResult } from "./fuzz/types.js";
export { scenarioToYaml } from "./fuzz/shrink.js";
// ---------------------------------------------------------------------------------------------
// the run

interface EpochOptions {
  env: Env;
  maxBuffers: number;
  maxSize: number;
  mutate: FuzzOptions["mutate"];
  pool: ShadowPool;
}

/** One epoch: a fresh model, `budget` generated operations, teardown, leak check. Stops at the first failure. */
function runEpoch(eo: EpochOptions, rng: Rng, budget: number, keep: boolean): { ops: number; failure: Failure | null; steps: FuzzStep[] | null; session: Session } {
  const ss = new Session(eo.env, eo.pool, keep);
  const gen = new Generator(() => rng.next(), eo.maxBuffers, eo.maxSize);
  const steps: FuzzStep[] | null = keep ? [] : null;
  const mutate = eo.mutate;
  let ops = 0;
  let failure: Failure | null = null;
  const run = (batch: FuzzStep[]): boolean => {
    for (const s0 of batch) {
      let s = s0;
      if (mutate) {
        const m = mutate(s0);
        if (m === null) {
          if (s0.as !== undefined) throw new RangeError(`fuzz mutate: ${s0.op} names a result and cannot be skipped`);
          s = { ...s0, ghost: true };
        } else s = m;
      }
      if (steps) steps.push(s);
      ops++;
      try {
        failure = ss.apply(s);
      } catch (e) {
        if (e instanceof Invalid) failure = { kind: "crash", id: s.id, message: `fuzz generator produced an invalid step: ${e.message}` };
        else throw e;
      }
      if (failure) return false;
    }
    return true;
  };
  let id = 0;
  let ok = true;
  while (ok && id < budget) {
    const batch = gen.next(ss, id);
    id += batch.length;
    ok = run(batch);
  }
  if (ok && run(gen.teardown(ss, id))) failure = ss.checkNoLeak();
  return { ops, failure, steps, session: ss };
}

/**
 * Run `steps` random valid operations with invariant checks. Deterministic for the same options.
 * Throws InputError for an unknown platform, kernel, config key or device.
 */
export function runFuzz(o: FuzzOptions, now: () => number = () => 0): FuzzResult {
  const platform = resolvePlatform(o.platform);
  const version = resolveKernel(o.kernel);
  const { cfg } = buildConfigFrom(platform, [{ values: o.set, option: "--set" }]);
  const devName = o.device && o.device !== "default" ? o.device : platform.defaultDevice;
  if (!platform.devices.some((d) => d.name === devName)) {
    throw new RangeError(`unknown device '${o.device}' on ${platform.id}`);
  }
  const env: Env = { platform, version, cfg, devName };
  if (o.set) env.set = o.set;
  const rng = new Rng(o.seed);
  const maxBuffers = o.maxBuffers ?? 24;
  const maxSize = o.maxSize ?? 256 * KiB;
  const epochLen = Math.max(1, o.epoch ?? 20_000);
  const stopOnFailure = o.stopOnFailure ?? true;
  const failures: FuzzFailure[] = [];
  const t0 = now();
  let ops = 0;
  let epochs = 0;
  let lastScenario: Scenario | undefined;
  let shrinkMs = 0;
  const pool = new ShadowPool();

  const fail = (epochSteps: FuzzStep[], f: Failure, globalBase: number) => {
    const s0 = now();
    const target = f;
    const small = o.shrink === false ? (f.kind === "leak" ? epochSteps.slice() : epochSteps.slice(0, epochSteps.findIndex((s) => s.id === f.id) + 1)) : shrink(env, epochSteps, target, o.shrinkBudget ?? 3000);
    const r = replay(env, small, f.kind === "leak", true);
    const message = r.failure?.message ?? f.message;
    const scenario = makeScenario(env, `fuzz seed ${o.seed}: ${f.kind} violation`, `dmasim fuzz --seed ${o.seed} --platform ${platform.id} --kernel ${version.id}${env.set ? Object.entries(env.set).map(([a, b]) => ` --set ${a}=${b}`).join("") : ""}: ${message}`, small, r.session);
    failures.push({ step: f.id < 0 ? globalBase + epochSteps.length - 1 : globalBase + f.id, kind: f.kind, message, scenario, shrunkFrom: epochSteps.length });
    shrinkMs += now() - s0;
  };

  const eo: EpochOptions = { env, maxBuffers, maxSize, mutate: o.mutate, pool };
  while (ops < o.steps) {
    epochs++;
    const base = ops;
    const budget = Math.min(epochLen, o.steps - ops);
    const start = rng.s;
    // Steps are kept only when asked for: on a failure the epoch is generated again from the PRNG
    // state it started with (the same operations), this time keeping them for shrinking.
    const r = runEpoch(eo, rng, budget, o.keepScenario === true);
    ops += r.ops;
    o.onEpoch?.(ops, o.steps);
    if (o.keepScenario) lastScenario = makeScenario(env, `fuzz seed ${o.seed} epoch ${epochs}`, `${r.steps!.length} operations`, r.steps!, r.session);
    if (r.failure) {
      const steps = r.steps ?? runEpoch({ ...eo, pool: new ShadowPool() }, new Rng(start), budget, true).steps!;
      fail(steps, r.failure, base);
      if (stopOnFailure) break;
    }
  }
  const res: FuzzResult = { ok: failures.length === 0, ops, epochs, seed: o.seed, platform: platform.id, kernel: version.id, failures, elapsedMs: now() - t0 - shrinkMs };
  if (lastScenario) res.scenario = lastScenario;
  return res;
}
