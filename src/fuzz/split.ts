/**
 * A fuzz run split over threads (`dmasim fuzz --jobs N`, N ≥ 2).
 *
 * The run's operations are cut into a fixed plan of epochs: epoch k has `epoch` operations (the
 * last one the rest; each epoch then runs its teardown), and epoch k's PRNG is seeded from
 * (seed, k) by fuzzEpochSeed. An epoch's operations and verdict therefore depend only on the
 * options and k — not on which thread runs it, nor when — so the threads can take epochs as they
 * become free (`claim`: the next epoch index not yet taken, from a counter they share) and the
 * merged result is the same for every N ≥ 2 and every interleaving. `--jobs 1` (runFuzz) keeps
 * one PRNG stream through all its epochs.
 *
 * With stopOnFailure (the default) the result is the run up to the lowest failing epoch: the
 * threads stop claiming epochs past a failure, epochs claimed before it finish, and epochs after
 * the lowest failure are dropped from the result. The failure's scenario names the command that
 * replays the run up to that epoch (`--seed S --steps E --jobs 2`).
 *
 * Engine core: no node:* imports (the threads and the shared counter live in src/cli/).
 */
import { type FuzzFailure, type FuzzOptions, type FuzzResult, Rng } from "./types.js";
import { fuzzCommand, fuzzFailure, fuzzSetup, placeBootError, runEpoch, warmUp } from "./run.js";
import { ShadowPool } from "./session.js";

/** epoch k's PRNG seed: a 32-bit mix of (seed, k) (murmur3's finaliser over seed ^ (k + 1)·φ). */
export function fuzzEpochSeed(seed: number, k: number): number {
  let h = (seed ^ Math.imul(k + 1, 0x9e3779b9)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** The plan: how many epochs a split run of `o` has. */
export function fuzzEpochs(o: FuzzOptions): number {
  return Math.max(1, Math.ceil(o.steps / Math.max(1, o.epoch ?? 20_000)));
}

/** What one epoch of a split run gave. */
export interface EpochResult {
  /** the epoch's index in the plan */
  k: number;
  /** operations run (the budget, then the teardown; fewer up to a failure) */
  ops: number;
  /** the epoch's failure, `step` counted from the epoch's first operation */
  failure?: FuzzFailure;
  /** time spent shrinking the failure, ms */
  shrinkMs?: number;
  /** the epoch failed after a lower epoch had: it is not in the result, and its failure was not shrunk */
  dropped?: true;
}

/**
 * Run the epochs `claim` hands out (it returns the next epoch index, or -1 when there is none
 * left for this thread) until it runs dry; `failed(k)` is told of a failing epoch at once, so the
 * claims can stop past it, and answers whether a lower epoch has failed already — then epoch k is
 * dropped from the result, and its failure is not shrunk (a shrink can take longer than the epoch). Throws InputError / RangeError like runFuzz for bad options.
 */
export function runFuzzClaimed(o: FuzzOptions, claim: () => number, failed: (k: number) => boolean = () => false, now: () => number = () => 0): EpochResult[] {
  const setup = fuzzSetup(o);
  const { eo, epochLen } = setup;
  const out: EpochResult[] = [];
  warmUp(setup, o);
  for (let k = claim(); k >= 0; k = claim()) {
    const budget = Math.min(epochLen, o.steps - k * epochLen);
    const seed = fuzzEpochSeed(o.seed, k);
    let r;
    try {
      r = runEpoch(eo, new Rng(seed), budget, false);
    } catch (err) {
      throw placeBootError(setup, err);
    }
    r.session.release(); // its RAM and cache slabs go to the next epoch's model
    const e: EpochResult = { k, ops: r.ops };
    if (r.failure && failed(k)) e.dropped = true;
    else if (r.failure) {
      const s0 = now();
      // the epoch again, from its seed, keeping its steps for shrinking
      const steps = runEpoch({ ...eo, pool: new ShadowPool() }, new Rng(seed), budget, true).steps!;
      e.failure = fuzzFailure(setup, o, fuzzCommand(setup, `--seed ${o.seed} --steps ${k * epochLen + budget} --jobs 2`), steps, r.failure, 0);
      e.shrinkMs = now() - s0;
    }
    out.push(e);
  }
  return out;
}

/**
 * The result of a split run from every thread's epochs: the epochs in plan order up to the first
 * failure (all of them with stopOnFailure false), the failures' steps counted from the run's start.
 */
export function mergeEpochs(o: FuzzOptions, platform: string, kernel: string, rs: EpochResult[], elapsedMs?: number): FuzzResult {
  const sorted = [...rs].sort((a, b) => a.k - b.k);
  const stop = o.stopOnFailure ?? true;
  const failures: FuzzFailure[] = [];
  let ops = 0;
  let epochs = 0;
  let shrinkMs = 0;
  for (const e of sorted) {
    if (e.k !== epochs) throw new Error(`fuzz: epoch ${epochs} of the plan was not run (got ${e.k})`);
    if (e.dropped) throw new Error(`fuzz: epoch ${e.k} was dropped for a lower failure that is not in the result`);
    epochs++;
    if (e.failure) {
      failures.push({ ...e.failure, step: ops + e.failure.step });
      shrinkMs += e.shrinkMs ?? 0;
    }
    ops += e.ops;
    if (e.failure && stop) break;
  }
  if (failures.length === 0 && epochs !== fuzzEpochs(o)) throw new Error(`fuzz: ${epochs} of ${fuzzEpochs(o)} epochs were run`);
  const res: FuzzResult = { ok: failures.length === 0, ops, epochs, seed: o.seed, platform, kernel, failures };
  if (elapsedMs !== undefined) res.elapsedMs = elapsedMs - shrinkMs;
  return res;
}

/**
 * A split run in this thread alone, the epochs claimed in `order` (default: plan order): what
 * `dmasim fuzz --jobs N` computes, for tests and for callers without threads.
 */
export function runFuzzSplit(o: FuzzOptions, order?: number[], now: () => number = () => 0): FuzzResult {
  const n = fuzzEpochs(o);
  const seq = order ?? Array.from({ length: n }, (_, i) => i);
  let i = 0;
  let stopAt = n;
  const t0 = now();
  const rs = runFuzzClaimed(
    o,
    () => {
      while (i < seq.length) {
        const k = seq[i++]!;
        if (k < stopAt) return k;
      }
      return -1;
    },
    (k) => {
      if (!(o.stopOnFailure ?? true)) return false;
      const lower = stopAt < k;
      stopAt = Math.min(stopAt, k);
      return lower;
    },
    now,
  );
  const { platform, version } = fuzzSetup(o);
  return mergeEpochs(o, platform.id, version.id, rs, now() - t0);
}
