/**
 * The counter the threads of `dmasim fuzz --jobs N` share (a SharedArrayBuffer): the next epoch
 * of the plan to claim, and the lowest failing epoch found so far (no thread claims past it). The
 * split itself and why its result does not depend on the threads: src/fuzz/split.ts.
 */

/** What a fuzz worker thread is given. */
export interface FuzzWorkerData {
  o: import("../fuzz/types.js").FuzzOptions;
  /** two Int32 slots: [next epoch to claim, lowest failing epoch (the plan's length until one fails)] */
  shared: SharedArrayBuffer;
  /** epochs in the plan */
  epochs: number;
}

/** A fuzz worker's one message. */
export type FuzzWorkerMessage = { ok: true; epochs: import("../fuzz/split.js").EpochResult[] } | { ok: false; error: string };

/** The shared counter for a plan of `epochs` epochs. */
export function sharedPlan(epochs: number): SharedArrayBuffer {
  const shared = new SharedArrayBuffer(8);
  Atomics.store(new Int32Array(shared), 1, epochs);
  return shared;
}

/** claim (the next epoch index, or -1) and failed (lower the stop mark to k; true if it was lower already: epoch k is dropped) on a shared counter. */
export function sharedClaims(shared: SharedArrayBuffer, epochs: number, stopOnFailure: boolean): { claim: () => number; failed: (k: number) => boolean } {
  const a = new Int32Array(shared);
  return {
    claim: () => {
      const k = Atomics.add(a, 0, 1);
      return k < epochs && k < Atomics.load(a, 1) ? k : -1;
    },
    failed: (k) => {
      if (!stopOnFailure) return false;
      for (let cur = Atomics.load(a, 1); ; cur = Atomics.load(a, 1)) {
        if (cur < k) return true;
        if (cur === k || Atomics.compareExchange(a, 1, cur, k) === cur) return false;
      }
    },
  };
}
