/**
 * The fuzzer's run: epochs of generated operations on fresh models, a failure's epoch shrunk to a
 * minimal scenario. What a run does and checks: src/fuzz.ts, which re-exports runFuzz. The CLI
 * and its worker threads import this module directly: it does not load the YAML library
 * (scenarioToYaml, src/fuzz/yaml.ts, is needed only to print a failure).
 *
 * Engine core: no node:* imports.
 */
import { buildConfigFrom, resolveKernel, resolvePlatform } from "../scenario/config.js";
import { ConfigValueError, type InputError } from "../core/faults.js";
import type { Scenario } from "../scenario/types.js";
import { type FuzzFailure, type FuzzOptions, type FuzzResult, type FuzzStep, Rng } from "./types.js";
import { type Env, type Failure, Invalid, Session, ShadowPool } from "./session.js";
import { Generator, KiB } from "./generator.js";
import { makeScenario, replay, shrink } from "./shrink.js";
// ---------------------------------------------------------------------------------------------
// the run

/** What an epoch needs besides its PRNG (one ShadowPool per thread: results do not depend on its state). */
export interface EpochOptions {
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
export function runEpoch(eo: EpochOptions, rng: Rng, budget: number, keep: boolean): { ops: number; failure: Failure | null; steps: FuzzStep[] | null; session: Session } {
  const ss = new Session(eo.env, eo.pool, keep);
  // batch: two slots from the start (object elements), so a map's second step (its
  // dma_mapping_error) is never a store past the end that deoptimises the compiled generator
  const r: EpochRun = { ss, gen: new Generator(rng, eo.maxBuffers, eo.maxSize), mutate: eo.mutate, steps: keep ? [] : null, batch: [null, null] as unknown as FuzzStep[], ops: 0, id: 0 };
  // steps kept or shown to a mutate must stay as they are: only otherwise are they reused
  r.gen.recycle = !keep && !eo.mutate;
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
 * The JIT warm-up of a thread's run: WARM_EPOCHS throwaway epochs of WARM_OPS operations each, on
 * models of the run's configuration, before its first epoch. The engine's hot code is compiled
 * while the first real epoch runs; without these, it was compiled having seen one model only, and
 * the second epoch's fresh model (empty arrays that grow, fields set on first use, slot arrays
 * shared until written) deoptimised about ten of the largest functions, each then compiled again:
 * per thread, 14–17 deoptimisations → 4–6, and ≈ 45 ms less CPU (bench/README.md). Each thread
 * pays it once (`dmasim fuzz --jobs N` runs N of them). Their operations, failures and time are
 * not part of the result: the run's epochs do not depend on what ran before them in the thread
 * (split runs already rely on it, src/fuzz/split.ts), so the output is the same with or without.
 */
export const WARM_EPOCHS = 2;
export const WARM_OPS = 250;

/** Run the warm-up (above) when the run has more than one epoch (one epoch has no second model to deoptimise on), unless `o.warm` is false. */
export function warmUp(s: FuzzSetup, o: FuzzOptions): void {
  if (o.steps <= s.epochLen || o.warm === false) return;
  // no injected bug (a mutate function may keep state across its calls); the run's pool (results do
  // not depend on its state, EpochOptions): the shadow arrays the warm-up made are the run's, not
  // fresh memory again in its first epoch
  const eo: EpochOptions = { ...s.eo, mutate: undefined };
  try {
    for (let i = 0; i < WARM_EPOCHS; i++) runEpoch(eo, new Rng(0x5eed + i), WARM_OPS, false).session.release();
  } catch {
    // a boot error: the run's first epoch reports it, placed
  }
}

/**
 * More warm-up, for a thread that would otherwise wait: a `dmasim fuzz --jobs N` worker, started
 * before the command line is parsed, idles until this thread sends its options (the CLI loading:
 * 60–170 ms, load-dependent). It runs warmUp, then up to PREWARM_EPOCHS more throwaway epochs of
 * PREWARM_OPS operations (seeds of their own, no injected bug, the run's pool) on the
 * configuration the command line names, while `idle()` says the options have not come; the
 * operations it would otherwise run unoptimised in its first real epochs then run compiled.
 * Nothing of it reaches a result (see warmUp). Returns whether warmUp's part was done (then the
 * run's own warmUp is skipped: `warm: false`). Worth it only on a core that would idle: measured
 * in one isolate (thread CPU, rpi4), 24 such epochs cost ≈ 98 ms and save ≈ 55 ms of the first 8
 * real epochs, 6 cost ≈ 35 and save ≈ 22 (bench/README.md, stop 19); hence the cap.
 */
export const PREWARM_EPOCHS = 12;
export const PREWARM_OPS = 500;
export function prewarm(s: FuzzSetup, o: FuzzOptions, idle: () => boolean): boolean {
  if (o.steps <= s.epochLen) return false;
  warmUp(s, o);
  const eo: EpochOptions = { ...s.eo, mutate: undefined };
  try {
    for (let i = 0; i < PREWARM_EPOCHS && idle(); i++) runEpoch(eo, new Rng(0x5eed + WARM_EPOCHS + i), PREWARM_OPS, false).session.release();
  } catch {
    // a boot error: the run's first epoch reports it, placed
  }
  return true;
}

/** What makes two runs' warm-ups the same (the model's configuration and the generator's limits): prewarm's for one run serves another with the same key. */
export function warmKey(s: FuzzSetup): string {
  return JSON.stringify([s.platform.id, s.version.id, s.env.devName, s.env.set ?? null, s.eo.maxBuffers, s.eo.maxSize]);
}

/** What every epoch of a run shares: the model's configuration and the generator's limits. */
export interface FuzzSetup {
  platform: ReturnType<typeof resolvePlatform>;
  version: ReturnType<typeof resolveKernel>;
  env: Env;
  eo: EpochOptions;
  /** operations per epoch */
  epochLen: number;
  /** a ConfigValueError only the boot finds (CONFIG_KASAN on 32-bit ARM before 5.11), placed at its --set option as `run` places it */
  place(e: ConfigValueError): InputError;
}

/** Rethrow an error of an epoch's boot placed at its --set option (other errors as they are). */
export function placeBootError(s: FuzzSetup, e: unknown): unknown {
  return e instanceof ConfigValueError ? s.place(e) : e;
}

/** Resolve a run's options (throws InputError for an unknown platform, kernel or config key, RangeError for a device). */
export function fuzzSetup(o: FuzzOptions): FuzzSetup {
  const platform = resolvePlatform(o.platform);
  const version = resolveKernel(o.kernel);
  const { cfg, place } = buildConfigFrom(platform, [{ values: o.set, option: "--set" }]);
  const devName = o.device && o.device !== "default" ? o.device : platform.defaultDevice;
  if (!platform.devices.some((d) => d.name === devName)) {
    throw new RangeError(`unknown device '${o.device}' on ${platform.id}`);
  }
  const env: Env = { platform, version, cfg, devName };
  if (o.set) env.set = o.set;
  const eo: EpochOptions = { env, maxBuffers: o.maxBuffers ?? 24, maxSize: o.maxSize ?? 256 * KiB, mutate: o.mutate, pool: new ShadowPool() };
  return { platform, version, env, eo, epochLen: Math.max(1, o.epoch ?? 20_000), place };
}

/** The command line that replays a run's failure, given the `dmasim fuzz` options it needs before --platform (a device other than the platform's default is named: it changes the run). */
export function fuzzCommand(s: FuzzSetup, head: string): string {
  const dev = s.env.devName !== s.platform.defaultDevice ? ` --device ${s.env.devName}` : "";
  return `dmasim fuzz ${head} --platform ${s.platform.id} --kernel ${s.version.id}${dev}${s.env.set ? Object.entries(s.env.set).map(([a, b]) => ` --set ${a}=${b}`).join("") : ""}`;
}

/** A failure of an epoch (its steps kept), shrunk to a minimal scenario; `globalBase` is the epoch's first operation in the run. */
export function fuzzFailure(s: FuzzSetup, o: FuzzOptions, command: string, epochSteps: FuzzStep[], f: Failure, globalBase: number): FuzzFailure {
  const { env } = s;
  const small = o.shrink === false ? (f.kind === "leak" ? epochSteps.slice() : epochSteps.slice(0, epochSteps.findIndex((st) => st.id === f.id) + 1)) : shrink(env, epochSteps, f, o.shrinkBudget ?? 3000);
  const r = replay(env, small, f.kind === "leak", true);
  const message = r.failure?.message ?? f.message;
  const scenario = makeScenario(env, `fuzz seed ${o.seed}: ${f.kind} violation`, `${command}: ${message}`, small, r.session);
  return { step: f.id < 0 ? globalBase + epochSteps.length - 1 : globalBase + f.id, kind: f.kind, message, scenario, shrunkFrom: epochSteps.length };
}

/**
 * Run `steps` random valid operations with invariant checks. Deterministic for the same options.
 * Throws InputError for an unknown platform, kernel, config key or device.
 */
export function runFuzz(o: FuzzOptions, now: () => number = () => 0): FuzzResult {
  const setup = fuzzSetup(o);
  const { platform, version, env, eo, epochLen } = setup;
  const rng = new Rng(o.seed);
  const stopOnFailure = o.stopOnFailure ?? true;
  const failures: FuzzFailure[] = [];
  const t0 = now();
  let ops = 0;
  let epochs = 0;
  let lastScenario: Scenario | undefined;
  let shrinkMs = 0;
  const command = fuzzCommand(setup, `--seed ${o.seed}`);
  warmUp(setup, o);

  const fail = (epochSteps: FuzzStep[], f: Failure, globalBase: number) => {
    const s0 = now();
    failures.push(fuzzFailure(setup, o, command, epochSteps, f, globalBase));
    shrinkMs += now() - s0;
  };

  while (ops < o.steps) {
    epochs++;
    const base = ops;
    const budget = Math.min(epochLen, o.steps - ops);
    const start = rng.s;
    // Steps are kept only when asked for: on a failure the epoch is generated again from the PRNG
    // state it started with (the same operations), this time keeping them for shrinking.
    let r;
    try {
      r = runEpoch(eo, rng, budget, o.keepScenario === true);
    } catch (e) {
      throw placeBootError(setup, e);
    }
    ops += r.ops;
    o.onEpoch?.(ops, o.steps);
    if (o.keepScenario) lastScenario = makeScenario(env, `fuzz seed ${o.seed} epoch ${epochs}`, `${r.steps!.length} operations`, r.steps!, r.session);
    else r.session.release(); // its RAM and cache slabs go to the next epoch's model
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
