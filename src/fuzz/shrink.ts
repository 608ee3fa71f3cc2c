/**
 * Replay of a failing epoch's steps, delta-debugging them down to a minimal failing sequence, and
 * its export as a scenario `dmasim run` replays.
 *
 * Engine core: no node:* imports. Part of `dmasim fuzz` (src/fuzz.ts).
 */
import { GFP_KERNEL } from "../include/gfp.js";
import { __free_pages, alloc_pages } from "../mm/mm.js";
import type { DataSpec, Scenario, Step } from "../scenario/types.js";
import { type FuzzStep } from "./types.js";
import { type Env, type Failure, Invalid, Session, ShadowPool, dirName, hexAddr } from "./session.js";
// ---------------------------------------------------------------------------------------------
// replay, shrink, export

export interface ReplayResult {
  failure: Failure | null;
  invalid: boolean;
  session: Session | null;
}

export function replay(env: Env, steps: readonly FuzzStep[], endCheck: boolean, record = false): ReplayResult {
  const ss = new Session(env, new ShadowPool(), record);
  try {
    for (const s of steps) {
      const f = ss.apply(s);
      if (f) return { failure: f, invalid: false, session: ss };
    }
  } catch (e) {
    if (e instanceof Invalid) return { failure: null, invalid: true, session: null };
    throw e;
  }
  if (endCheck) {
    if (ss.liveMaps.length || ss.liveBufs.length) return { failure: null, invalid: true, session: null };
    const f = ss.checkNoLeak();
    if (f) return { failure: f, invalid: false, session: ss };
  }
  return { failure: null, invalid: false, session: ss };
}

/** Names each step produces / uses. */
export function produces(s: FuzzStep): string | undefined {
  return s.as;
}
export function uses(s: FuzzStep): string[] {
  const u: string[] = [];
  if (s.buf !== undefined) u.push(s.buf);
  if (s.map !== undefined) u.push(s.map);
  if (s.entries) for (const e of s.entries) u.push(e.buf);
  return u;
}

/** Indices removed with `seed` indices: every later step that uses a name they produce, transitively. */
export function closure(steps: readonly FuzzStep[], seed: readonly number[]): Set<number> {
  const out = new Set<number>(seed);
  const dead = new Set<string>();
  for (const i of seed) {
    const p = produces(steps[i]!);
    if (p) dead.add(p);
  }
  if (dead.size === 0) return out;
  const first = Math.min(...seed);
  for (let i = first + 1; i < steps.length; i++) {
    if (out.has(i)) continue;
    const s = steps[i]!;
    if (uses(s).some((n) => dead.has(n))) {
      out.add(i);
      const p = produces(s);
      if (p) dead.add(p);
    }
  }
  return out;
}

export function sameFailure(a: Failure, b: Failure): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === "leak") return true;
  return a.id === b.id;
}

/** Delta debugging (ddmin over dependency closures): drop steps while the same failure reproduces. */
export function shrink(env: Env, steps: FuzzStep[], target: Failure, budget: number): FuzzStep[] {
  const endCheck = target.kind === "leak";
  let cur = target.kind === "leak" ? steps.slice() : steps.slice(0, steps.findIndex((s) => s.id === target.id) + 1);
  let replays = 0;
  const reproduces = (cand: FuzzStep[]): boolean => {
    replays++;
    const r = replay(env, cand, endCheck);
    return !r.invalid && r.failure !== null && sameFailure(r.failure, target);
  };
  const keep = (s: FuzzStep) => s.id === target.id;
  let n = 2;
  while (replays < budget) {
    const idx: number[] = [];
    for (let i = 0; i < cur.length; i++) if (!keep(cur[i]!)) idx.push(i);
    if (idx.length === 0) break;
    n = Math.min(n, idx.length);
    const chunk = Math.ceil(idx.length / n);
    let progressed = false;
    for (let c = 0; c < n && replays < budget; c++) {
      const part = idx.slice(c * chunk, (c + 1) * chunk);
      if (part.length === 0) continue;
      const drop = closure(cur, part);
      if ([...drop].some((i) => keep(cur[i]!))) continue;
      const cand = cur.filter((_, i) => !drop.has(i));
      if (reproduces(cand)) {
        cur = cand;
        n = Math.max(2, n - 1);
        progressed = true;
        break;
      }
    }
    if (!progressed) {
      if (n >= idx.length) break;
      n = Math.min(idx.length, n * 2);
    }
  }
  return cur;
}

export function hexSpec(u8: Uint8Array): DataSpec {
  let s = "";
  for (let i = 0; i < u8.length; i++) s += (i ? " " : "") + (u8[i]! < 16 ? "0" : "") + u8[i]!.toString(16);
  return { hex: s };
}

/** Fuzz steps → scenario steps (the runner's argument names); ghost steps are dropped. */
export function exportSteps(steps: readonly FuzzStep[], ss: Session | null): Step[] {
  const out: Step[] = [];
  for (const s of steps) {
    if (s.ghost) continue;
    const args: Record<string, unknown> = {};
    switch (s.op) {
      case "kmalloc":
        args.size = s.size;
        args.gfp = "GFP_KERNEL";
        break;
      case "alloc_pages":
        args.order = s.order;
        args.gfp = "GFP_KERNEL";
        break;
      case "kfree":
      case "__free_pages":
        args.buf = s.buf;
        break;
      case "dma_map_single":
      case "dma_map_page":
        args.buf = s.buf;
        args.offset = s.offset ?? 0;
        args.size = s.size;
        args.dir = dirName(s.dir!);
        break;
      case "dma_map_sg":
        args.entries = s.entries!.map((e) => ({ buf: e.buf, offset: e.offset, length: e.length }));
        args.dir = dirName(s.dir!);
        break;
      case "device_write":
      case "device_read": {
        const dma = ss?.resolved.get(s.id);
        if (s.entry !== undefined) args.dma_addr = dma !== undefined ? hexAddr(dma) : "0x0";
        else args.map = s.map;
        args.offset = s.offset ?? 0;
        if (s.op === "device_write") args.data = hexSpec(s.data!);
        else args.length = s.length;
        break;
      }
      case "cpu_write":
        args.buf = s.buf;
        args.offset = s.offset ?? 0;
        args.data = hexSpec(s.data!);
        break;
      case "cpu_read":
        args.buf = s.buf;
        args.offset = s.offset ?? 0;
        args.length = s.length;
        break;
      default:
        args.map = s.map;
    }
    const st: Step = { op: s.op, args };
    if (s.as !== undefined) st.as = s.as;
    if (s.op === "cpu_read" || s.op === "device_read") {
      const want = ss?.expected.get(s.id);
      if (want && want.length > 0) st.expect = { data: hexSpec(want) };
    }
    out.push(st);
  }
  return out;
}

export function makeScenario(env: Env, name: string, description: string, steps: readonly FuzzStep[], ss: Session | null): Scenario {
  const s: Scenario = {
    name,
    description,
    platform: env.platform.id,
    kernel: env.version.id,
    steps: exportSteps(steps, ss),
    // the replay fails on what the fuzzer counts as a failure: a fault, and a dma-debug report
    expect: { faults: "none", diagnostics: "none" },
  };
  if (env.set && Object.keys(env.set).length) s.config = { ...env.set };
  if (env.devName !== env.platform.defaultDevice) s.device = env.devName;
  return s;
}
