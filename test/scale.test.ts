/**
 * Issue 10: memory to server sizes (mem up to 1 TiB on every 64-bit platform) and the CLI's
 * worker threads (matrix --jobs, fuzz --jobs) giving the in-process results. CLI tests spawn the
 * built CLI (bin/dmasim.mjs).
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { boot } from "../src/init.js";
import { buildConfig, resolveKernel, resolvePlatform } from "../src/scenario/config.js";
import { parseScenarioText } from "../src/scenario/parse.js";
import { runScenario } from "../src/scenario/runner.js";
import { PLATFORMS } from "../src/platforms/index.js";
import { InputError } from "../src/core/faults.js";
import { VERSIONS } from "../src/versions.js";
import { runFuzzSplit } from "../src/fuzz/split.js";
import { matrixWorkersWanted } from "../src/cli/matrix-prestart.js";
import { defaultJobs } from "../src/cli/matrix-jobs.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const TiB = 2 ** 40;

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, ["bin/dmasim.mjs", ...args], { cwd: ROOT, encoding: "utf8", env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
/** cli(...args), spawned once in this file: the fuzz runs two tests compare against (about 1–2 s of CPU each). */
const ran = new Map<string, ReturnType<typeof cli>>();
function cliOnce(...args: string[]) {
  const k = JSON.stringify(args);
  if (!ran.has(k)) ran.set(k, cli(...args));
  return ran.get(k)!;
}

describe("mem up to 1 TiB on every 64-bit platform", () => {
  const sixtyFour = PLATFORMS.filter((p) => p.arch !== "arm");
  it.each(sixtyFour.map((p) => p.id))("%s boots with mem=1T: 1 TiB of RAM, ~268M free pages, a receive loop passes", { timeout: 120_000 }, (id) => {
    const p = resolvePlatform(id);
    const cfg = buildConfig(p, { mem: "1T" }).cfg;
    expect(cfg.mem).toBe(TiB);
    const k = boot(p, resolveKernel("5.19"), cfg);
    const ram = k.memblock.memory.reduce((s, b) => s + b.size, 0);
    expect(ram).toBeGreaterThan(TiB - 2 ** 30); // minus the firmware's holes / other domains
    expect(k.buddy.totalFree()).toBeGreaterThan(260_000_000);
    expect(k.mem.residentPages()).toBeLessThan(10_000); // sparse: frames exist once written
    const s = parseScenarioText(readFileSync(ROOT + "scenarios/drivers/missing-sync-fixed.yaml", "utf8"), "missing-sync-fixed.yaml");
    const r = runScenario(s, { platform: id, kernel: "5.19", set: { mem: "1T" } });
    expect(r.first_failure).toBeNull();
    expect(r.ok).toBe(true);
  });

  it("2T and 3G are refused with the sizes the platform takes", () => {
    expect(() => buildConfig(resolvePlatform("x86_64"), { mem: "2T" })).toThrow(InputError);
    expect(() => buildConfig(resolvePlatform("rpi4"), { mem: "3G" })).toThrow(/mem: 3G is not a RAM size of rpi4 \(use 1G, 2G, 4G, 8G, 16G, .*, 1024G\)/);
    expect(() => buildConfig(resolvePlatform("arm32"), { mem: "4G" })).toThrow(InputError);
  });
});

describe("worker threads give the in-process results", () => {
  it("matrix's early workers: the command line's guess of the threads it will start", () => {
    const all = { platforms: 9, kernels: 10 };
    const files: Record<string, number> = { scenarios: 40, "one.yaml": 1, "three": 3 };
    const want = (cores: number, ...args: string[]) => matrixWorkersWanted(args, () => cores, (p) => files[p] ?? 0, all, (cells) => (cells < 300 ? 1 : Math.min(cores, 8)));
    expect(want(2, "matrix", "scenarios")).toBe(1); // 3,600 cells
    expect(want(4, "matrix", "scenarios", "--json")).toBe(3);
    expect(want(2, "matrix", "one.yaml")).toBe(0); // 90 cells: in-process
    expect(want(2, "matrix", "three")).toBe(0); // 270
    expect(want(2, "matrix", "three", "one.yaml")).toBe(1); // 360
    expect(want(2, "matrix", "scenarios", "--platforms", "rpi4", "--kernels=5.6,5.10")).toBe(0); // 80
    expect(want(2, "matrix", "one.yaml", "--jobs", "3")).toBe(2);
    expect(want(8, "matrix", "one.yaml", "--jobs=auto")).toBe(7);
    expect(want(2, "matrix", "scenarios", "--jobs", "1")).toBe(0);
    expect(want(2, "matrix", "scenarios", "--jobs", "x")).toBe(0);
    expect(want(2, "matrix", "scenarios", "--help")).toBe(0);
    expect(want(2, "fuzz", "--jobs", "2")).toBe(0);
    // a value that looks like a path is an option's value, not a scenario
    expect(want(2, "matrix", "--format", "scenarios", "one.yaml")).toBe(0);
    expect(defaultJobs(299)).toBe(1);
  });

  it("matrix: workers started early and not used do not keep a refused command alive", { timeout: 120_000 }, () => {
    const r = cli("matrix", "scenarios", "--jobs", "2", "--kernels", "9.9");
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/--kernels/);
  });

  it("matrix --jobs 2 prints what --jobs 1 prints", { timeout: 300_000 }, () => {
    const args = ["matrix", "scenarios/seed-mmap.yaml", "scenarios/drivers/missing-sync.yaml", "--platforms", "rpi4,rpi4-xen,x86_64", "--format", "json"];
    const one = cli(...args, "--jobs", "1");
    const two = cli(...args, "--jobs", "2");
    expect(one.code, one.stderr).toBe(1); // the seed fails on rpi4-xen before 5.14
    expect(two.code, two.stderr).toBe(1);
    const cells = (JSON.parse(one.stdout) as { cells: { verdict: string }[] }).cells;
    expect(cells).toHaveLength(2 * 3 * VERSIONS.length);
    expect(cells.filter((c) => c.verdict === "PASS").length).toBeGreaterThan(10);
    expect(two.stdout).toBe(one.stdout);
  });

  it("fuzz --jobs 2 and --jobs 3 give the same result, the split run's (epochs seeded from seed and index)", { timeout: 300_000 }, () => {
    const args = ["fuzz", "--seed", "5", "--steps", "45000", "--json"];
    const two = cliOnce(...args, "--jobs", "2");
    const three = cliOnce(...args, "--jobs", "3");
    expect(two.code, two.stderr).toBe(0);
    expect(three.code, three.stderr).toBe(0);
    type R = { ok: boolean; ops: number; epochs: number; jobs: number; seed: number; failures: unknown[] };
    const a = JSON.parse(two.stdout) as R;
    const b = JSON.parse(three.stdout) as R;
    expect(a).toMatchObject({ ok: true, jobs: 2, seed: 5, epochs: 3, failures: [] });
    expect(b).toMatchObject({ ok: true, jobs: 3, seed: 5, epochs: 3, ops: a.ops });
    const own = runFuzzSplit({ seed: 5, steps: 45000, platform: "rpi4", kernel: "5.19" });
    expect(own.ops).toBe(a.ops);
    // the line names the threads that ran: no more than there are epochs of 20,000 operations
    const t = cli("fuzz", "--seed", "5", "--steps", "30000", "--jobs", "4");
    expect(t.code, t.stderr).toBe(0);
    expect(t.stdout.split("\n")[0]).toMatch(/^dmasim fuzz: seed 5 per epoch \(2 threads\), rpi4 5\.19: \d+ operations in /);
    const one = cli("fuzz", "--seed", "5", "--steps", "2000", "--jobs", "2");
    expect(one.code, one.stderr).toBe(0);
    expect(one.stdout.split("\n")[0]).toMatch(/^dmasim fuzz: seed 5 per epoch \(1 thread\), rpi4 5\.19: \d+ operations in /);
  });

  it("DMASIM_FUZZ_TIMELINE=1 (bench/fuzz-timeline.mjs): each thread's marks on stderr, every epoch claimed once; the result unchanged", { timeout: 300_000 }, () => {
    const timed = (...args: string[]) => spawnSync(process.execPath, ["bin/dmasim.mjs", ...args], { cwd: ROOT, encoding: "utf8", env: { ...process.env, NO_COLOR: "1", DMASIM_FUZZ_TIMELINE: "1" } });
    const bare = (out: string) => ({ ...(JSON.parse(out) as Record<string, unknown>), seconds: 0, ops_per_s: 0 });
    type Mark = { thread: string; ev: string; k: number; t: number; cpu: number };
    const marks = (stderr: string): Mark[] =>
      stderr
        .split("\n")
        .filter((l) => l.startsWith("fuzz-timeline "))
        .map((l) => {
          const [, thread, ev, k, t, cpu] = l.split(" ");
          return { thread: thread!, ev: ev!, k: Number(k), t: Number(t), cpu: Number(cpu) };
        });
    for (const jobs of ["1", "3"]) {
      // 45,000 operations: three epochs (20,000, 20,000, 5,000), so --jobs 3 starts two workers; --jobs 3's plain run is the test above's
      const args = ["fuzz", "--seed", "5", "--steps", "45000", "--json", "--jobs", jobs];
      const plain = cliOnce(...args);
      const r = timed(...args);
      expect(r.status, r.stderr).toBe(0);
      expect(bare(r.stdout)).toEqual(bare(plain.stdout));
      expect(plain.stderr).not.toContain("fuzz-timeline");
      const m = marks(r.stderr);
      const threads = [...new Set(m.map((x) => x.thread))].sort();
      expect(threads).toEqual(jobs === "1" ? ["main"] : ["main", expect.stringMatching(/^worker\d+$/), expect.stringMatching(/^worker\d+$/)]);
      // the epochs: --jobs 1 marks each one's end in order; --jobs 3's threads claim 0, 1, 2 once between them, each ending on -1
      if (jobs === "1") expect(m.filter((x) => x.ev === "epoch").map((x) => x.k)).toEqual([0, 1, 2]);
      else {
        const claims = m.filter((x) => x.ev === "claim");
        expect(claims.filter((x) => x.k >= 0).map((x) => x.k).sort()).toEqual([0, 1, 2]);
        for (const th of threads) expect(claims.filter((x) => x.thread === th).at(-1)!.k).toBe(-1);
        for (const th of threads.filter((x) => x !== "main")) expect(m.filter((x) => x.thread === th).map((x) => x.ev)).toEqual(expect.arrayContaining(["loaded", "warmed", "options", "posted"]));
      }
      // each thread's marks in time order, its CPU time not decreasing (Linux: /proc/thread-self)
      for (const th of threads) {
        const own = m.filter((x) => x.thread === th && x.ev !== "origin");
        for (let i = 1; i < own.length; i++) {
          expect(own[i]!.t).toBeGreaterThanOrEqual(own[i - 1]!.t);
          expect(own[i]!.cpu).toBeGreaterThanOrEqual(own[i - 1]!.cpu);
        }
      }
      const main = m.filter((x) => x.thread === "main").map((x) => x.ev);
      expect(main[0]).toBe("origin");
      expect(main.slice(-2)).toEqual(["result", "exit"]);
    }
  });

  it("fuzz --jobs 2 finds 5.6's own swiotlb-xen bug on rpi4-xen, as --jobs 3 does; the printed command replays it", { timeout: 300_000 }, () => {
    const args = ["fuzz", "--seed", "1", "--steps", "60000", "--platform", "rpi4-xen", "--kernel", "5.6", "--json"];
    type R = { ok: boolean; ops: number; epochs: number; failures: { step: number; kind: string; message: string; scenario: { description: string; steps: unknown[] } }[] };
    const two = cli(...args, "--jobs", "2");
    const three = cli(...args, "--jobs", "3");
    expect(two.code, two.stderr).toBe(1);
    expect(three.code, three.stderr).toBe(1);
    const a = JSON.parse(two.stdout) as R;
    const b = JSON.parse(three.stdout) as R;
    expect(a.ok).toBe(false);
    expect(a.failures).toHaveLength(1);
    expect(a.failures[0]!.kind).toBe("data");
    expect({ ops: b.ops, epochs: b.epochs, failures: b.failures }).toEqual({ ops: a.ops, epochs: a.epochs, failures: a.failures });
    const cmd = /^dmasim fuzz (--seed \d+ --steps \d+ --jobs 2 --platform rpi4-xen --kernel 5\.6): /.exec(a.failures[0]!.scenario.description);
    expect(cmd).not.toBeNull();
    const again = cli("fuzz", ...cmd![1]!.split(" "), "--json");
    expect(again.code, again.stderr).toBe(1);
    expect((JSON.parse(again.stdout) as R).failures).toEqual(a.failures);
  });

  it("fuzz with --device: the printed command names the device, and replays the same failure (--jobs 2 and --jobs 1)", { timeout: 300_000 }, () => {
    type R = { ok: boolean; failures: { step: number; kind: string; message: string; scenario: { description: string; device: string } }[] };
    for (const jobs of ["2", "1"]) {
      const r = cli("fuzz", "--seed", "1", "--steps", "40000", "--platform", "rpi4-xen", "--kernel", "5.6", "--device", "fe340000.mmc", "--jobs", jobs, "--json");
      expect(r.code, r.stderr).toBe(1);
      const a = JSON.parse(r.stdout) as R;
      expect(a.failures).toHaveLength(1);
      expect(a.failures[0]!.scenario.device).toBe("fe340000.mmc");
      const cmd = /^dmasim fuzz (--seed 1 (?:--steps \d+ --jobs 2 )?--platform rpi4-xen --kernel 5\.6 --device fe340000\.mmc): /.exec(a.failures[0]!.scenario.description);
      expect(cmd, a.failures[0]!.scenario.description).not.toBeNull();
      const again = cli("fuzz", ...cmd![1]!.split(" "), ...(jobs === "1" ? ["--steps", "40000"] : []), "--json");
      expect(again.code, again.stderr).toBe(1);
      expect((JSON.parse(again.stdout) as R).failures, jobs).toEqual(a.failures);
    }
  });

  it("fuzz --set CONFIG_KASAN=y on 32-bit ARM 5.10 (no such option there): the --set option's one line, exit 2, as run says it (--jobs 1 and 2)", { timeout: 120_000 }, () => {
    const line = `dmasim: --set CONFIG_KASAN=y: 32-bit ARM has no KASAN in Linux 5.10 (HAVE_ARCH_KASAN from 5.11, 421015713b30 "ARM: 9017/2: Enable KASan for ARM")`;
    for (const jobs of ["1", "2"]) {
      const r = cli("fuzz", "--platform", "arm32", "--kernel", "5.10", "--set", "CONFIG_KASAN=y", "--steps", "45000", "--jobs", jobs);
      expect(r.code, jobs).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr.trim().split("\n"), jobs).toEqual([line]);
    }
    const run = spawnSync(process.execPath, ["bin/dmasim.mjs", "run", "-", "--platform", "arm32", "--kernel", "5.10", "--set", "CONFIG_KASAN=y"], { cwd: ROOT, input: "name: k\nsteps:\n  - { op: kmalloc, size: 64, as: b }\n", encoding: "utf8" });
    expect(run.status).toBe(2);
    expect(run.stderr.trim()).toBe(line);
  });

  it("fuzz --jobs 2 with bad input after its worker started early: one line, exit 2, the worker does not hold the process", { timeout: 120_000 }, () => {
    for (const a of [["--seed", "x"], ["--platform", "vax"], ["--set", "swiotlb=0x40000000001"], ["--device", "nope"]]) {
      const r = cli("fuzz", "--jobs", "2", "--steps", "100000", ...a);
      expect(r.code, a.join(" ")).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr.trim().split("\n"), a.join(" ")).toHaveLength(1);
    }
  });

  it("fuzz --seed -1 / --seed 4294967296: one line naming the 32-bit range, exit 2 (they wrapped to 4294967295 / 0 before)", { timeout: 120_000 }, () => {
    for (const s of ["-1", "4294967296"]) {
      const r = cli("fuzz", "--steps", "10", "--seed", s);
      expect(r.code, s).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr.trim()).toBe(`dmasim: --seed: ${s} is not a 32-bit seed (0..4294967295)`);
    }
    const ok = cli("fuzz", "--steps", "10", "--seed", "4294967295", "--json");
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout).seed).toBe(4294967295);
  });

  it("--jobs 0 / --jobs x: one line, exit 2", { timeout: 120_000 }, () => {
    for (const a of [["fuzz", "--jobs", "0"], ["matrix", "scenarios/seed-mmap.yaml", "--jobs", "x"]]) {
      const r = cli(...a);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toMatch(/--jobs/);
    }
  });
});
