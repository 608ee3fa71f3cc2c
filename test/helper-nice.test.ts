/**
 * src/cli/helper-nice.ts: `dmasim fuzz --jobs 1` lowers the priority of every thread of its process
 * but the main one (V8's compile and GC helpers). Run in a child node process of the built bundle
 * (dist/chunks, which test/global-setup.ts keeps up to date), so the test runner's own threads keep
 * theirs; the child reports each thread's nice value from /proc/self/task/<tid>/stat.
 */
import { spawnSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { buildProgram, type Io } from "../src/cli/program.js";
import { ownsProcess } from "../src/cli/helper-nice.js";

const chunks = fileURLToPath(new URL("../dist/chunks/", import.meta.url));

/** Each thread's nice value (field 19 of /proc/<pid>/task/<tid>/stat), before and after niceHelperThreads(by), as the child sees them. */
function run(by: number): { pid: number; changed: boolean; before: Record<string, number>; after: Record<string, number> } {
  const chunk = readdirSync(chunks).find((f) => /^helper-nice-.*\.mjs$/.test(f));
  expect(chunk).toBeDefined();
  const src = `
    import { readFileSync, readdirSync } from "node:fs";
    const { niceHelperThreads } = await import(${JSON.stringify(chunks + chunk)});
    const nices = () => Object.fromEntries(readdirSync("/proc/self/task").map((t) => {
      const s = readFileSync("/proc/self/task/" + t + "/stat", "utf8");
      return [t, Number(s.slice(s.lastIndexOf(")") + 2).split(" ")[16])];
    }));
    const before = nices();
    const changed = niceHelperThreads(${by});
    console.log(JSON.stringify({ pid: process.pid, changed, before, after: nices() }));`;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", src], { encoding: "utf8" });
  expect(r.stderr).toBe("");
  return JSON.parse(r.stdout);
}

describe("niceHelperThreads", () => {
  it("lowers every thread but the main one by the given steps (Linux), and only those", () => {
    const r = run(10);
    if (process.platform !== "linux") {
      expect(r.changed).toBe(false);
      return;
    }
    expect(r.changed).toBe(true);
    const main = String(r.pid);
    const others = Object.keys(r.before).filter((t) => t !== main && t in r.after);
    // Node's four V8 platform workers at least
    expect(others.length).toBeGreaterThanOrEqual(4);
    expect(r.after[main]).toBe(r.before[main]);
    for (const t of others) expect(r.after[t]).toBe(Math.min(19, r.before[main]! + 10));
  });

  it("stops at nice 19", () => {
    const r = run(40);
    if (process.platform !== "linux") return;
    const main = String(r.pid);
    for (const t of Object.keys(r.after)) if (t !== main) expect(r.after[t]).toBe(19);
  });
});

describe("fuzz run inside another program (this test runner) leaves its threads' priorities alone", () => {
  /** this process's threads' nice values */
  const nices = () =>
    Object.fromEntries(
      readdirSync("/proc/self/task").map((t) => {
        const st = readFileSync(`/proc/self/task/${t}/stat`, "utf8");
        return [t, Number(st.slice(st.lastIndexOf(")") + 2).split(" ")[16])];
      }),
    );
  it("fuzz --jobs 1 through buildProgram: no thread of the runner is lowered (they were, to nice 19, and the CLI tests spawned from them inherited it)", { timeout: 60_000 }, async () => {
    expect(ownsProcess()).toBe(false);
    if (process.platform !== "linux") return;
    const before = nices();
    const sink = { isTTY: false, write: () => true } as unknown as NodeJS.WriteStream;
    const io: Io = { out: sink, err: sink, env: {} };
    const state = { code: 0 };
    await buildProgram(io, state).parseAsync(["fuzz", "--seed", "1", "--steps", "500", "--jobs", "1", "--json"], { from: "user" });
    expect(state.code).toBe(0);
    const after = nices();
    for (const t of Object.keys(before)) if (t in after) expect(after[t], `thread ${t}`).toBe(before[t]);
  });
});
