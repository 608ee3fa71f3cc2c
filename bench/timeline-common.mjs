// What bench/fuzz-timeline.mjs and bench/matrix-timeline.mjs share: their option reader, the median
// they print, and one run of the CLI with its timeline on, its stderr marks grouped per thread
// (src/cli/fuzz-timeline.ts, src/cli/matrix-timeline.ts: `<prefix> <thread> <event> <k> <time> <cpu>`).
import { spawnSync } from "node:child_process";

/** The value after `name` on the command line, else `dflt`. */
export const opt = (args, name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};

/** The median of the finite values (NaN if none). */
export const median = (xs) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/**
 * Run `node argv…` with `env`=1 set and return its result, its wall time (ms) and its marks per thread
 * (thread name → [{ ev, k, t, cpu }] in order) from the stderr lines that start with `prefix`.
 */
export function timelineRun(argv, prefix, env, o = {}) {
  const t0 = performance.timeOrigin + performance.now();
  const r = spawnSync(process.execPath, argv, { ...o, encoding: "utf8", maxBuffer: 1 << 28, env: { ...process.env, [env]: "1" } });
  const wall = performance.timeOrigin + performance.now() - t0;
  const threads = new Map();
  const re = new RegExp(`^${prefix} (\\S+) (\\S+) (-?\\d+) (\\S+) (\\S+)$`);
  for (const l of r.stderr.split("\n")) {
    const m = re.exec(l);
    if (!m) continue;
    if (!threads.has(m[1])) threads.set(m[1], []);
    threads.get(m[1]).push({ ev: m[2], k: Number(m[3]), t: Number(m[4]), cpu: Number(m[5]) });
  }
  return { r, wall, threads };
}
