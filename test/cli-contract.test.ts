/**
 * One CLI contract (issue 7) and escaped output (issue 9), on the built CLI (`node bin/dmasim.mjs`):
 * --json on every command, stdin as `-`, exit 1 for an unexpected modelled fault (explain too),
 * file names in every error, `matrix DIR` recursive with N/A cells that do not fail the run,
 * progress only on a terminal, the kernel's GFP names, and no raw control character from a
 * scenario, a name or a file name reaching the terminal.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { BIN, cliEnv, dmasim, dmasimOnce, ensureBuilt, lines, usageError, type Out } from "./cli-spawn.js";
import { ROOT } from "./helpers.js";
import { PLATFORMS } from "../src/platforms/index.js";
import { VERSIONS } from "../src/versions.js";

const VERSIONS_IDS = VERSIONS.map((v) => v.id);

beforeAll(() => ensureBuilt(), 120_000);

const tmp = mkdtempSync(join(tmpdir(), "dmasim-contract-"));
function file(rel: string, text: string): string {
  const p = join(tmp, rel);
  mkdirSync(join(p, ".."), { recursive: true });
  writeFileSync(p, text);
  return p;
}


const MAP_UNMAP = `name: map and unmap
platform: x86_64
kernel: "5.13"
steps:
  - { op: kmalloc, size: 4K, as: b }
  - { op: dma_map_single, buf: b, size: 4K, dir: DMA_TO_DEVICE, as: m }
  - { op: dma_unmap_single, map: m }
`;

describe.concurrent("--json on every command", () => {
  it("platforms and kernels print data; schema accepts --json", async () => {
    const [p, k, s] = await Promise.all([dmasimOnce(["platforms", "--json"]), dmasimOnce(["kernels", "--json"]), dmasimOnce(["schema", "--json"])]);
    expect(p.code, p.stderr).toBe(0);
    const pj = JSON.parse(p.stdout) as { platforms: { id: string; xen: string | null; default_device: string; devices: { name: string; default: boolean }[] }[] };
    const xen = pj.platforms.find((x) => x.id === "rpi4-xen")!;
    expect(xen.xen).toBe("arm");
    expect(xen.devices.filter((d) => d.default).map((d) => d.name)).toEqual([xen.default_device]);
    expect(k.code, k.stderr).toBe(0);
    const kj = JSON.parse(k.stdout) as { default: string; versions: { id: string; switches: string[] }[]; switches: { commit: string; release: string }[] };
    expect(kj.versions.map((v) => v.id)).toEqual(VERSIONS_IDS);
    expect(kj.versions.find((v) => v.id === "5.14")!.switches).toContain("40ac971eab89");
    expect(kj.versions.find((v) => v.id === "5.13")!.switches).not.toContain("40ac971eab89");
    expect(kj.switches.find((x) => x.commit === "566fb90e050d")!.release).toBe("5.19");
    expect(s.code, s.stderr).toBe(0);
    expect((JSON.parse(s.stdout) as { $schema: string }).$schema).toMatch(/json-schema/);
  });
});

describe.concurrent("standard input as -", () => {
  it("run - reads the scenario from stdin and names it <stdin>, in results and in errors", async () => {
    const [ok, bad, json] = await Promise.all([
      dmasim(["run", "-"], { input: MAP_UNMAP }),
      dmasim(["run", "-"], { input: MAP_UNMAP.replace("dir: DMA_TO_DEVICE", "dir: TO_DEVICE") }),
      dmasim(["matrix", "-", "--platforms", "x86_64,rpi4", "--kernels", "5.13", "--json"], { input: MAP_UNMAP }),
    ]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain("(<stdin>)");
    expect(ok.stdout).toMatch(/^PASS: 3\/3 steps ran/m);
    expect(usageError(bad)).toMatch(/^<stdin>:6:\d+: .*'TO_DEVICE'/);
    expect(json.code, json.stderr).toBe(0);
    const m = JSON.parse(json.stdout) as { scenarios: { file: string }[]; cells: { verdict: string }[] };
    expect(m.scenarios[0]!.file).toBe("<stdin>");
    expect(m.cells.map((c) => c.verdict)).toEqual(["PASS", "PASS"]);
  });
});

describe.concurrent("matrix DIR: recursive, N/A cells, file names in errors", () => {
  it("finds scenarios in subfolders; cells that do not apply are N/A with a reason and exit 0", async () => {
    const dir = join(tmp, "tree");
    mkdirSync(join(dir, "xen", "deeper"), { recursive: true });
    copyFileSync(ROOT + "scenarios/seed-mmap.yaml", join(dir, "seed-mmap.yaml"));
    copyFileSync(ROOT + "scenarios/xen-grant-dma.yaml", join(dir, "xen", "grant.yaml"));
    copyFileSync(ROOT + "scenarios/device-coherent-pool.yaml", join(dir, "xen", "deeper", "vpu.yaml"));
    const [j, f] = await Promise.all([dmasim(["matrix", dir, "--kernels", "5.14", "--json"]), dmasim(["matrix", dir, "--kernels", "5.14", "--format", "json"])]);
    expect(j.code, j.stderr).toBe(0);
    expect(j.stderr).toBe(""); // no progress on a pipe
    expect(j.stdout).toBe(f.stdout); // --json ≡ --format json
    const m = JSON.parse(j.stdout) as { scenarios: { file: string }[]; counts: Record<string, number>; cells: { file: string; platform: string; verdict: string; not_applicable?: string }[] };
    expect(m.scenarios.map((s) => s.file.slice(dir.length + 1))).toEqual(["seed-mmap.yaml", "xen/grant.yaml", "xen/deeper/vpu.yaml"]);
    const grant = m.cells.filter((c) => c.file.endsWith("grant.yaml"));
    expect(grant.find((c) => c.platform === "rpi4-xen")!.verdict).toBe("PASS");
    expect(grant.find((c) => c.platform === "x86_64")).toMatchObject({ verdict: "N/A", not_applicable: "gnttab_map: x86_64 is not a Xen platform (grant mapping needs a dom0, e.g. rpi4-xen)" });
    expect(grant.find((c) => c.platform === "x86_64-xen-pv")).toMatchObject({ verdict: "N/A", not_applicable: "gnttab_map: x86_64-xen-pv models no other Xen domain to grant pages" });
    const vpu = m.cells.filter((c) => c.file.endsWith("vpu.yaml"));
    expect(vpu.find((c) => c.platform === "arm32")!.verdict).toBe("PASS");
    expect(vpu.find((c) => c.platform === "rpi4")).toMatchObject({ verdict: "N/A", not_applicable: "no device 'fe00a000.vpu' (it is on arm32)" });
    /* seed-mmap passes on every platform at 5.14; grant.yaml and vpu.yaml apply to one platform each */
    expect(m.counts).toMatchObject({ PASS: PLATFORMS.length + 2, "N/A": 2 * (PLATFORMS.length - 1), ERROR: 0, FAIL: 0 });
  });

  it("a run refused at run time names the file and line, in the cell and on stderr (exit 2); run refuses a platform the scenario does not fit", async () => {
    const p = file("errors/big-stack.yaml", `name: too big for the stack\nplatform: x86_64\nkernel: "5.13"\nsteps:\n  - op: stack_buffer\n    size: 1M\n    as: s\n`);
    const [m, na, none] = await Promise.all([
      dmasim(["matrix", p, "--platforms", "x86_64", "--kernels", "5.13", "--format", "markdown"]),
      dmasim(["run", ROOT + "scenarios/xen-grant-dma.yaml", "--platform", "rpi4"]),
      dmasim(["matrix", ROOT + "scenarios/xen-grant-dma.yaml", "--platforms", "rpi4,x86_64", "--kernels", "5.13"]),
    ]);
    // nothing applies: the table (all N/A) and exit 2, since nothing ran
    expect(none.code).toBe(2);
    expect(none.stdout).toContain("2 runs: 2 N/A");
    // the platforms and the kernels, and why the first cell does not apply (it named the platforms alone)
    expect(none.stderr).toBe("dmasim: no scenario applies to the selected platforms (rpi4, x86_64) and kernels (5.13); first: gnttab_map: rpi4 is not a Xen platform (grant mapping needs a dom0, e.g. rpi4-xen)\n");
    expect(m.code).toBe(2);
    expect(m.stdout).toContain(`**ERROR** — ${p.slice(0, 20)}`);
    expect(m.stdout).not.toContain("<input>");
    expect(lines(m.stderr)).toHaveLength(1);
    expect(m.stderr).toContain(`${p}:6:11: steps[0].size: size 1048576 does not fit on a`);
    expect(usageError(na)).toBe(`${ROOT}scenarios/xen-grant-dma.yaml:14:5: does not apply to rpi4: gnttab_map: rpi4 is not a Xen platform (grant mapping needs a dom0, e.g. rpi4-xen)`);
  });
});

describe.concurrent("exit 1 for an unexpected modelled fault; the kernel's GFP names", () => {
  it("explain exits 1 after an oops (text and JSON), 0 without one; --gfp takes composites and refuses a name the kernel lacks", async () => {
    const oops = ["explain", "dma_free_coherent", "--platform", "rpi4-xen", "--kernel", "5.6", "--gfp", "GFP_ATOMIC", "--size", "4K"];
    const [t, j, fixed, hi, zt] = await Promise.all([
      dmasim(oops),
      dmasim([...oops, "--json"]),
      dmasim(["explain", "dma_free_coherent", "--platform", "rpi4-xen", "--kernel", "5.10", "--gfp", "GFP_ATOMIC", "--size", "4K"]),
      dmasim(["explain", "dma_alloc_coherent", "--platform", "x86_64", "--kernel", "5.14", "--gfp", "GFP_HIGHUSER | __GFP_NOWARN", "--json"]),
      dmasim(["explain", "dma_alloc_coherent", "--platform", "x86_64", "--kernel", "5.10", "--gfp", "GFP_KERNEL|__GFP_ZEROTAGS"]),
    ]);
    expect(t.code, t.stderr).toBe(1);
    expect(t.stdout).toContain("OOPS: Unable to handle kernel paging request at virtual address 0000000000268140");
    expect(j.code).toBe(1);
    expect((JSON.parse(j.stdout) as { faults: { kind: string }[] }).faults.map((f) => f.kind)).toEqual(["oops"]);
    expect(fixed.code, fixed.stdout).toBe(0);
    expect(hi.code, hi.stderr).toBe(0);
    expect((JSON.parse(hi.stdout) as { lines: string[] }).lines[0]).toContain("gfp GFP_HIGHUSER|__GFP_NOWARN");
    expect(usageError(zt)).toBe("dmasim: --gfp: gfp flag '__GFP_ZEROTAGS' does not exist in Linux 5.10 (it does in 5.13, 5.14, 5.19, 6.1, 6.6, 6.12, 6.18)");
  });
});

describe.concurrent("control characters never reach the terminal raw", () => {
  const ESC = "\u001b";
  const BEL = "\u0007";
  const title = `${ESC}]0;pwned${BEL}`;
  const link = `${ESC}]8;;https://evil.example/${ESC}\\click${ESC}]8;;${ESC}\\`;
  const raw = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

  it("scenario names, op names, `as` names, file names and data are escaped (text and JSON)", async () => {
    // YAML double-quoted strings: \e is ESC, \a is BEL, \u202e a bidi override
    /* control characters in the scenario's name are refused at parse time (the message escaped);
       in data they run, and the bytes are shown escaped */
    const named = `name: "title \\e]0;pwned\\a and \\u202eevil"\nplatform: x86_64\nkernel: "5.13"\nsteps:\n  - { op: kmalloc, size: 64, as: b }\n`;
    const data = `name: plain\nplatform: x86_64\nkernel: "5.13"\nsteps:\n  - { op: kmalloc, size: 64, as: b }\n  - { op: cpu_write, buf: b, data: "\\e[2J\\e]8;;https://evil.example/\\e\\\\x" }\n  - { op: cpu_read, buf: b, length: 12 }\n`;
    const badOp = `name: x\nsteps:\n  - op: "dma_map${title}"\n`;
    const badAs = `name: x\nplatform: x86_64\nsteps:\n  - { op: dma_unmap_single, map: ${JSON.stringify("m" + link)} }\n`;
    const pn = file("named.yaml", named);
    const p = file("data.yaml", data);
    const weird = join(tmp, `no${title}such${link}.yaml`);
    const [badName, run, json, op, as, missing, mx] = await Promise.all([
      dmasim(["run", pn]),
      dmasim(["run", p]),
      dmasim(["run", p, "--json"]),
      dmasim(["run", "-"], { input: badOp }),
      dmasim(["run", "-"], { input: badAs }),
      dmasim(["run", weird]),
      dmasim(["matrix", p, "--platforms", "x86_64", "--kernels", "5.13"]),
    ]);
    for (const o of [badName, run, json, op, as, missing, mx]) {
      expect(o.stdout + o.stderr).not.toMatch(raw);
    }
    expect(usageError(badName)).toBe(`${pn}:1:7: name: control characters are not allowed in the name`);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("data=1b 5b 32 4a 1b 5d 38 3b 3b 68 74 74"); // binary bytes as hex
    expect(mx.code, mx.stderr).toBe(0);
    const j = JSON.parse(json.stdout) as { steps: { result: { data?: string } }[] };
    expect(j.steps[2]!.result.data).toContain("1b 5b 32 4a"); // the same bytes in the JSON
    expect(usageError(op)).toContain("unknown op 'dma_map\\x1b]0;pwned\\x07'");
    expect(usageError(as)).toContain("\\x1b]8;;https://evil.example/\\x1b\\click");
    expect(usageError(missing)).toMatch(/no\\x1b\]0;pwned\\x07such\\x1b\]8;;https:\/+evil\.example\/\\x1b\\click.*: cannot read scenario/);
  });
});

describe("progress on a terminal only", () => {
  it("matrix under a pseudo-terminal (script) draws one updating line on stderr and erases it", () => {
    const cmd = `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} matrix scenarios/seed-mmap.yaml --platforms rpi4,x86_64 --kernels 5.13,5.14 --format markdown`;
    const r = spawnSync("script", ["-qec", cmd, "/dev/null"], { cwd: ROOT, env: { ...cliEnv(), COLUMNS: "100" }, encoding: "utf8", timeout: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    const out = r.stdout;
    expect(out).toMatch(/\r\u001b\[2Kmatrix \[\d\/4\] /);
    expect(out).toContain("\r\u001b[2K**mmap a coherent buffer"); // erased before the result is printed
    expect(out.split("\n").filter((l) => l.includes("matrix ["))).toHaveLength(1); // one line, rewritten in place
  }, 120_000);

  it("fuzz and bench under a pseudo-terminal: their progress lines, then the result", () => {
    const pty = (args: string) =>
      spawnSync("script", ["-qec", `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} ${args}`, "/dev/null"], { cwd: ROOT, env: { ...cliEnv(), COLUMNS: "100" }, encoding: "utf8", timeout: 120_000 });
    const f = pty("fuzz --seed 1 --steps 45000 --platform x86_64");
    expect(f.status, f.stdout).toBe(0);
    expect(f.stdout).toMatch(/^\r\u001b\[2Kfuzz: seed 1, x86_64 5\.19: 2\d{4}\/45000 operations\r\u001b\[2Kfuzz: seed 1, x86_64 5\.19: 4\d{4}\/45000 operations/);
    expect(f.stdout).toMatch(/\r\u001b\[2Kdmasim fuzz: seed 1, x86_64 5\.19: \d+ operations in /);
    const b = pty("bench -t 1 -s 1 --platform x86_64");
    expect(b.status, b.stdout).toBe(0);
    expect(b.stdout).toContain("\r\u001b[2Kbench: 1 thread(s) on x86_64 5.19, 0/1 s");
    expect(b.stdout).toMatch(/\r\u001b\[2Kdma mapping benchmark: threads:1 seconds:1 /);
    expect(b.stdout).toMatch(/^average map latency\(us\):/m);
  }, 120_000);
});
