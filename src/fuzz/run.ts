/**
 * The fuzzer's run: epochs of generated operations on fresh models, a failure's epoch shrunk to a
 * minimal scenario. What a run does and checks: src/fuzz.ts, which re-exports runFuzz. The CLI
 * and its worker threads import this module directly: it does not load the YAML library
 * (scenarioToYaml, src/fuzz/yaml.ts, is needed only to print a failure).
 *
 * Engine core: no node:* imports.
 */
import { buildConfigFrom, resolveKernel, resolvePlatform } from "../scenario/config.js";
import type { Scenario } from "../scenario/types.js";
import { type FuzzFailure, type FuzzOptions, type FuzzResult, type FuzzStep, Rng } from "./types.js";
import { type Env, type Failure, Invalid, Session, ShadowPool, objectArray } from "./session.js";
import { Generator, KiB } from "./generator.js";
import { makeScenario, replay, shrink } from "./shrink.js";
// ---------------------------------------------------------------------------------------------
// the run

interface EpochOptions {
  env: Env;
  maxBuffers: number;
  maxSize: number;
  mutate: FuzzOptions["mutate"];
  pool: ShadowPool;
}

/**
 * One step of an epoch: the injected driver bug (mutate), the kept steps, the run and its checks.
 * A function of its own, not a closure per epoch: every epoch calls the same code.
 */
function runStep(ss: Session, mutate: FuzzOptions["mutate"], steps: FuzzStep[] | null, s0: FuzzStep): Failure | null {
  let s = s0;
  if (mutate) {
    const m = mutate(s0);
    if (m === null) {
      if (s0.as !== undefined) throw new RangeError(`fuzz mutate: ${s0.op} names a result and cannot be skipped`);
      s = { ...s0, ghost: true };
    } else s = m;
  }
  if (steps) steps.push(s);
  try {
    return ss.apply(s);
  } catch (e) {
    if (e instanceof Invalid) return { kind: "crash", id: s.id, message: `fuzz generator produced an invalid step: ${e.message}` };
    throw e;
  }
}

/** What an epoch's loops share. */
interface EpochRun {
  ss: Session;
  gen: Generator;
  mutate: FuzzOptions["mutate"];
  steps: FuzzStep[] | null;
  /** the generator's output for one operation (a map and its dma_mapping_error are two steps) */
  batch: FuzzStep[];
  /** operations run */
  ops: number;
  /** next step id */
  id: number;
}

/**
 * The generated operations of an epoch, up to `budget` ids; stops at the first failure. (The
 * loop is a function of its own, without the teardown: the JIT compiles it while it runs, and
 * code that has not run yet in it would deoptimise it at the end of every epoch.)
 */
function runOps(r: EpochRun, budget: number): Failure | null {
  const { ss, gen, mutate, steps, batch } = r;
  while (r.id < budget) {
    const n = gen.next(ss, r.id, batch);
    r.id += n;
    for (let i = 0; i < n; i++) {
      r.ops++;
      const f = runStep(ss, mutate, steps, batch[i]!);
      if (f) return f;
    }
  }
  return null;
}

/** One epoch: a fresh model, `budget` generated operations, teardown, leak check. Stops at the first failure. */
function runEpoch(eo: EpochOptions, rng: Rng, budget: number, keep: boolean): { ops: number; failure: Failure | null; steps: FuzzStep[] | null; session: Session } {
  const ss = new Session(eo.env, eo.pool, keep);
  const r: EpochRun = { ss, gen: new Generator(rng, eo.maxBuffers, eo.maxSize), mutate: eo.mutate, steps: keep ? [] : null, batch: objectArray(), ops: 0, id: 0 };
  let failure = runOps(r, budget);
  if (failure === null) {
    for (const s of r.gen.teardown(ss, r.id)) {
      r.ops++;
      failure = runStep(ss, r.mutate, r.steps, s);
      if (failure) break;
    }
    if (failure === null) failure = ss.checkNoLeak();
  }
  return { ops: r.ops, failure, steps: r.steps, session: ss };
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
