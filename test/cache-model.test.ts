/**
 * The CPU cache model (src/mm/cache.ts) against a reference written the plain way: one object per
 * present line, its bytes and a dirty bit. Random sequences of every operation — CPU reads, writes
 * and memcpy, coherent (snooping) device reads and writes, non-coherent device writes straight to
 * RAM, clean / invalidate / flush, dirtyIn — must give the same bytes, the same counts and the same
 * RAM in both, with sweeps forced often (sweepMin 1–8) so frames keep no copy of their own and
 * RAM's watcher is exercised. The storage (per-frame buffers and line states, shared frames, line
 * runs) is the model's own business; what a line holds is not.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { PhysMem } from "../src/mm/physmem.js";
import { Cache } from "../src/mm/cache.js";

const LS = 64;
const RAM = 64 * 1024; // 16 frames

/** The reference: a Map of present lines (index → bytes, dirty), RAM as a flat array. */
class RefCache {
  lines = new Map<number, { b: Uint8Array; dirty: boolean }>();
  ram = new Uint8Array(RAM);
  private load(l: number) {
    let x = this.lines.get(l);
    if (!x) this.lines.set(l, (x = { b: this.ram.slice(l * LS, l * LS + LS), dirty: false }));
    return x;
  }
  cpuRead(p: number, len: number): Uint8Array {
    const out = new Uint8Array(len);
    for (let i = 0; i < len; i++) out[i] = this.load(Math.floor((p + i) / LS)).b[(p + i) % LS]!;
    return out;
  }
  cpuWrite(p: number, d: Uint8Array) {
    for (let i = 0; i < d.length; i++) {
      const x = this.load(Math.floor((p + i) / LS));
      x.b[(p + i) % LS] = d[i]!;
      x.dirty = true;
    }
  }
  snoopRead(p: number, len: number): Uint8Array {
    const out = this.ram.slice(p, p + len);
    for (let i = 0; i < len; i++) {
      const x = this.lines.get(Math.floor((p + i) / LS));
      if (x?.dirty) out[i] = x.b[(p + i) % LS]!;
    }
    return out;
  }
  snoopWrite(p: number, d: Uint8Array) {
    this.ram.set(d, p);
    for (let i = 0; i < d.length; i++) {
      const x = this.lines.get(Math.floor((p + i) / LS));
      if (x) x.b[(p + i) % LS] = d[i]!;
    }
  }
  private each(p: number, len: number, f: (l: number) => void) {
    if (len <= 0) return;
    for (let l = Math.floor(p / LS); l <= Math.floor((p + len - 1) / LS); l++) f(l);
  }
  clean(p: number, len: number): number {
    let n = 0;
    this.each(p, len, (l) => {
      const x = this.lines.get(l);
      if (x?.dirty) {
        this.ram.set(x.b, l * LS);
        x.dirty = false;
        n++;
      }
    });
    return n;
  }
  invalidate(p: number, len: number): number {
    let n = 0;
    this.each(p, len, (l) => {
      if (this.lines.delete(l)) n++;
    });
    return n;
  }
  dirtyIn(p: number, len: number): boolean {
    let d = false;
    this.each(p, len, (l) => {
      if (this.lines.get(l)?.dirty) d = true;
    });
    return d;
  }
}

type Op =
  | { k: "read" | "snoopRead" | "clean" | "invalidate" | "flush" | "dirtyIn"; p: number; len: number }
  | { k: "write" | "snoopWrite" | "ramWrite"; p: number; n: number; seed: number }
  | { k: "copy" | "ramCopy"; dst: number; src: number; len: number }
  | { k: "ramFill"; p: number; v: number; len: number };

/** An address and length mostly near line and frame edges, sometimes spanning frames. */
const addr = fc.oneof(fc.integer({ min: 0, max: RAM - 1 }), fc.integer({ min: 0, max: 15 }).chain((f) => fc.integer({ min: -70, max: 70 }).map((d) => Math.min(RAM - 1, Math.max(0, f * 4096 + d)))));
const len = fc.oneof(fc.integer({ min: 0, max: 130 }), fc.integer({ min: 1, max: 9000 }), fc.constantFrom(64, 4096, 8192));
const fit = (p: number, n: number) => Math.max(0, Math.min(n, RAM - p));
/** n position-dependent bytes from a seed (an odd stride: a shifted copy never looks right) */
const bytes = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (seed + i * (2 * (seed % 61) + 1)) & 0xff);
/** "" when equal, else where the first difference is */
function diff(a: Uint8Array, b: Uint8Array): string {
  if (a.length !== b.length) return `length ${a.length} vs ${b.length}`;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return `byte ${i}: ${a[i]} vs ${b[i]}`;
  return "";
}
/** the operations over given address and length arbitraries */
const opsOver = (addr: fc.Arbitrary<number>, len: fc.Arbitrary<number>): fc.Arbitrary<Op> => fc.oneof(
  fc.tuple(fc.constantFrom("read", "snoopRead", "clean", "invalidate", "flush", "dirtyIn" as const), addr, len).map(([k, p, n]) => ({ k, p, len: fit(p, n) }) as Op),
  fc.tuple(fc.constantFrom("write", "write", "snoopWrite", "ramWrite" as const), addr, len, fc.integer({ min: 0, max: 1 << 20 })).map(([k, p, n, seed]) => ({ k, p, n: fit(p, n), seed }) as Op),
  fc.tuple(fc.constantFrom("copy", "copy", "ramCopy" as const), addr, addr, len).map(([k, dst, src, n]) => ({ k, dst, src, len: Math.min(fit(dst, n), fit(src, n)) }) as Op),
  fc.tuple(addr, fc.integer({ min: 0, max: 2 }), len).map(([p, v, n]) => ({ k: "ramFill", p, v, len: fit(p, n) }) as Op),
);
const op = opsOver(addr, len);
/**
 * Mostly whole frames (a bulk copy's pattern: a frame whose lines are all in one state keeps no
 * per-line states until one line differs), with a line-sized or unaligned op now and then.
 */
const pageOp = opsOver(
  fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 0, max: 15 }).map((f) => f * 4096) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: RAM - 1 }) }),
  fc.oneof({ weight: 4, arbitrary: fc.constantFrom(4096, 8192, 3 * 4096) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 130 }) }),
);

function run(ops: Op[], sweepMin: number) {
  const ram = new PhysMem([{ start: 0, size: RAM }]);
  const c = new Cache(ram, LS, sweepMin);
  const r = new RefCache();
  ops.forEach((o, i) => {
    const at = `op ${i} ${JSON.stringify(o)}`;
    switch (o.k) {
      case "read":
        expect(diff(c.cpuRead(o.p, o.len), r.cpuRead(o.p, o.len)), at).toBe("");
        break;
      case "snoopRead":
        expect(diff(c.snoopRead(o.p, o.len), r.snoopRead(o.p, o.len)), at).toBe("");
        break;
      case "clean":
        expect(c.clean(o.p, o.len), at).toBe(r.clean(o.p, o.len));
        break;
      case "invalidate":
        expect(c.invalidate(o.p, o.len), at).toBe(r.invalidate(o.p, o.len));
        break;
      case "flush": {
        const n = r.clean(o.p, o.len);
        r.invalidate(o.p, o.len);
        expect(c.flush(o.p, o.len), at).toBe(n);
        break;
      }
      case "dirtyIn":
        expect(c.dirtyIn(o.p, o.len), at).toBe(r.dirtyIn(o.p, o.len));
        break;
      case "write":
        c.cpuWrite(o.p, bytes(o.n, o.seed));
        r.cpuWrite(o.p, bytes(o.n, o.seed));
        break;
      case "snoopWrite":
        c.snoopWrite(o.p, bytes(o.n, o.seed));
        r.snoopWrite(o.p, bytes(o.n, o.seed));
        break;
      case "ramWrite": // a non-coherent device write: RAM only
        ram.write(o.p, bytes(o.n, o.seed));
        r.ram.set(bytes(o.n, o.seed), o.p);
        break;
      case "copy":
        c.cpuCopy(o.dst, o.src, o.len);
        r.cpuWrite(o.dst, r.cpuRead(o.src, o.len));
        break;
      case "ramCopy":
        ram.copy(o.dst, o.src, o.len);
        r.ram.copyWithin(o.dst, o.src, o.src + o.len);
        break;
      case "ramFill":
        ram.fill(o.p, o.v, o.len);
        r.ram.fill(o.v, o.p, o.p + o.len);
        break;
    }
    expect(c.size, at).toBe(r.lines.size);
  });
  // every line and all of RAM agree at the end
  expect(diff(ram.read(0, RAM), r.ram), "RAM").toBe("");
  expect(diff(c.snoopRead(0, RAM), r.snoopRead(0, RAM)), "snoopRead").toBe("");
  expect(diff(c.cpuRead(0, RAM), r.cpuRead(0, RAM)), "cpuRead").toBe("");
}

describe("cache model: the same lines, bytes and counts as a one-object-per-line reference", () => {
  it("random operation sequences, with sweeps (frames without a copy of their own) forced often", { timeout: 120_000 }, () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 80 }), fc.constantFrom(1, 2, 8, 2048), (ops, sweepMin) => run(ops, sweepMin)),
      { numRuns: 300 },
    );
  });

  it("random sequences of mostly whole-frame operations, with sweeps forced often", { timeout: 120_000 }, () => {
    fc.assert(
      fc.property(fc.array(pageOp, { minLength: 1, maxLength: 80 }), fc.constantFrom(1, 2, 8, 2048), (ops, sweepMin) => run(ops, sweepMin)),
      { numRuns: 300 },
    );
  });
  it("a bounce's pattern: the CPU writes a buffer, copies it to a slot, cleans, a device writes RAM, invalidate, copy back", () => {
    const ram = new PhysMem([{ start: 0, size: RAM }]);
    const c = new Cache(ram, LS, 2);
    const buf = 0x1010;
    const slot = 0x8000;
    const data = Uint8Array.from({ length: 5000 }, (_, i) => (i * 7 + 3) & 0xff);
    c.cpuWrite(buf, data);
    c.cpuCopy(slot, buf, data.length);
    // the slot's lines are dirty: RAM has nothing yet, the clean writes back ceil(5000 / 64) lines
    expect(ram.read(slot, 4)).toEqual(new Uint8Array(4));
    expect(c.clean(slot, data.length)).toBe(Math.ceil(data.length / LS));
    expect(ram.read(slot, data.length)).toEqual(data);
    // the device answers in RAM; the CPU sees it only after the invalidate
    const reply = Uint8Array.from({ length: 5000 }, (_, i) => (i * 13 + 1) & 0xff);
    ram.write(slot, reply);
    expect(c.cpuRead(slot, 8)).toEqual(data.subarray(0, 8));
    expect(c.invalidate(slot, reply.length)).toBe(Math.ceil(reply.length / LS));
    c.cpuCopy(buf, slot, reply.length);
    expect(c.cpuRead(buf, reply.length)).toEqual(reply);
    expect(c.dirtyIn(buf, reply.length)).toBe(true);
    expect(ram.read(buf, 4)).toEqual(new Uint8Array(4)); // the buffer's lines were never cleaned: RAM still has zeros
  });
});
