/**
 * This process's own CPU and page-fault counters from /proc (Linux; -1 elsewhere), for the
 * per-thread timelines of `fuzz` and `matrix` (fuzz-timeline.ts, matrix-timeline.ts).
 */
import { readFileSync, readdirSync } from "node:fs";

/** This thread's own CPU time in ms, or -1 where /proc is not there. */
export function threadCpuMs(): number {
  try {
    return Number(readFileSync("/proc/thread-self/schedstat", "utf8").split(" ")[0]) / 1e6;
  } catch {
    return -1;
  }
}

/** The process's minor page faults so far (/proc/self/stat minflt), or -1. */
export function minorFaults(): number {
  try {
    const s = readFileSync("/proc/self/stat", "utf8");
    return Number(s.slice(s.lastIndexOf(")") + 2).split(" ")[7]);
  } catch {
    return -1;
  }
}

/** CPU ms of this process's threads other than the main one (/proc/self/task/<tid>/stat utime + stime). */
export function otherThreadsCpuMs(): number {
  try {
    let ms = 0;
    for (const t of readdirSync("/proc/self/task")) {
      if (Number(t) === process.pid) continue;
      const s = readFileSync(`/proc/self/task/${t}/stat`, "utf8");
      const f = s.slice(s.lastIndexOf(")") + 2).split(" ");
      ms += (Number(f[11]) + Number(f[12])) * 10; // USER_HZ = 100
    }
    return ms;
  } catch {
    return -1;
  }
}
