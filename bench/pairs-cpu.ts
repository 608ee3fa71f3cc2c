/**
 * The map/unmap pairs in CPU time, per kernel: `node bench/.build/pairs-cpu.mjs [--kernels 5.19,6.6|all]
 * [--cases copy,swiotlb,direct,debug] [--size 4096] [--dir BIDIRECTIONAL] [--reps 7]` prints one JSON
 * object, ns per pair: the best of `reps` batches of process.cpuUsage() (user + system), after two
 * warm-up batches. The cases are bench/cases.ts's (the same checks that the bytes travel); `copy`
 * is copyBaseline. On a loaded machine CPU time moves less than wall time, and the best batch
 * less than the median; run one kernel per process (a process that runs several kernels makes the
 * shared call sites polymorphic and slows the later ones), alternating with the build of another
 * revision (bench/build-before.mjs builds this file too, as bench/.build-before/pairs-cpu.mjs).
 */
import { VERSIONS } from "../src/versions.js";
import { checkQuiet, copyBaseline, prepare, type DirName, type MapCase } from "./cases.js";

const args = process.argv.slice(2);
const opt = (n: string, d: string) => {
  const i = args.indexOf(n);
  return i >= 0 ? args[i + 1]! : d;
};
const kernels = opt("--kernels", "5.19")
  .split(",")
  .flatMap((s) => (s === "all" ? VERSIONS.map((v) => v.id) : [s]));
const cases = opt("--cases", "copy,swiotlb,direct,debug").split(",");
const reps = Number(opt("--reps", "7"));
const dir = opt("--dir", "BIDIRECTIONAL") as DirName;
const size = Number(opt("--size", "4096"));

function cpuBest(fn: (n: number) => void, n: number): number {
  fn(n);
  fn(n);
  let best = Infinity;
  for (let r = 0; r < reps; r++) {
    const c0 = process.cpuUsage();
    fn(n);
    const c = process.cpuUsage(c0);
    best = Math.min(best, ((c.user + c.system) * 1000) / n);
  }
  return Math.round(best * 10) / 10;
}

const out: Record<string, number> = {};
if (cases.includes("copy")) out.copy = cpuBest(copyBaseline(size, 64 << 20), 20000);
for (const kernel of kernels) {
  for (const c of cases) {
    let mc: MapCase | null = null;
    let n = 20000;
    if (c === "swiotlb") mc = { platform: "x86_64", set: { mem: "2G", swiotlb: "force" }, kernel, size, dir, bounce: true, data: true };
    else if (c === "direct") {
      mc = { platform: "x86_64", set: { mem: "2G" }, kernel, size: 4096, dir: "BIDIRECTIONAL", bounce: false, data: false };
      n = 200000;
    } else if (c === "debug") {
      mc = { platform: "x86_64", set: { mem: "2G", CONFIG_DMA_API_DEBUG: "y" }, kernel, size: 4096, dir: "BIDIRECTIONAL", bounce: false, data: false };
      n = 100000;
    }
    if (!mc) continue;
    const p = prepare(`${c} ${kernel}`, mc);
    out[`${c}@${kernel}`] = cpuBest(p.loop, n);
    checkQuiet(p.k, c);
  }
}
console.log(JSON.stringify(out));
