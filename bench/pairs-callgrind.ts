/**
 * A driver for instruction counts of the debug pair (callgrind), shaped like the debug group's child
 * (bench/run.ts): the direct pair's closure calls `loop(1000)` 2,000 times (as tinybench calls the task),
 * then the debug kernel's closure calls `loop(500)` 1,000 times and N / 500 more.
 *   node bench/.build/pairs-callgrind.mjs [--kernel 5.19] [--case debug|direct] [--n 100000]
 * With `--case direct` only the direct pair runs (2,000 × loop(1000) warm, then N more).
 * Per pair: run it under `valgrind --tool=callgrind` at two N and take (Ir(N₂) − Ir(N₁)) / (N₂ − N₁), e.g.
 *   valgrind --tool=callgrind --callgrind-out-file=OUT node --single-threaded --no-concurrent-recompilation \
 *     bench/.build/pairs-callgrind.mjs --kernel 5.19 --n 100000
 * (bench/README.md, stop 23). node bench/build-before.mjs REV builds it too, on REV's engine.
 */
import { checkQuiet, prepare, type MapCase } from "./cases.js";

const args = process.argv.slice(2);
const opt = (n: string, d: string) => {
  const i = args.indexOf(n);
  return i >= 0 ? args[i + 1]! : d;
};
const kernel = opt("--kernel", "5.19");
const which = opt("--case", "debug");
const n = Number(opt("--n", "100000"));

const direct: MapCase = { platform: "x86_64", set: { mem: "2G" }, kernel, size: 4096, dir: "BIDIRECTIONAL", bounce: false, data: false };
const debug: MapCase = { platform: "x86_64", set: { mem: "2G", CONFIG_DMA_API_DEBUG: "y" }, kernel, size: 4096, dir: "BIDIRECTIONAL", bounce: false, data: false };

const pd = prepare("direct", direct);
const taskD = () => pd.loop(1000);
for (let i = 0; i < 2000; i++) taskD();
if (which === "direct") {
  for (let i = 0; i < n / 1000; i++) taskD();
  checkQuiet(pd.k, "direct");
} else {
  const pg = prepare("debug", debug);
  const taskG = () => pg.loop(500);
  for (let i = 0; i < 1000; i++) taskG();
  for (let i = 0; i < n / 500; i++) taskG();
  checkQuiet(pg.k, "debug");
}
