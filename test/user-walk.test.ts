/**
 * A new user's walk (stop 19): what someone who installed dmasim from npm and followed the README
 * hit, on the built CLI (`node bin/dmasim.mjs`): the JSON of one command agreeing with another's,
 * the platforms' device roles in `platforms --json`, explain's header for a version without a
 * stored tree, and the one-line errors a newcomer's scenario mistakes get.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { dmasim, dmasimOnce, ensureBuilt, lines, usageError, type Out } from "./cli-spawn.js";
import { ROOT } from "./helpers.js";

beforeAll(() => ensureBuilt(), 120_000);

const tmp = mkdtempSync(join(tmpdir(), "dmasim-user-walk-"));
function file(name: string, text: string): string {
  const p = join(tmp, name);
  writeFileSync(p, text);
  return p;
}


describe("explain --json and run --json agree on a step's result", () => {
  it("a bounced dma_map_single: the same dma_addr, and bounced is the boolean true in both (explain gave the string \"true\")", async () => {
    const e = await dmasim(["explain", "dma_map_single", "--platform", "rpi4", "--kernel", "5.13", "--size", "4096", "--json"]);
    expect(e.code, e.stderr).toBe(0);
    const ej = JSON.parse(e.stdout) as { result: Record<string, unknown> };
    const scen = file("map.yaml", "name: map\nsteps:\n  - { op: kmalloc, size: 4096, as: b }\n  - { op: dma_map_single, buf: b, size: 4096, dir: DMA_BIDIRECTIONAL, as: m }\n");
    const r = await dmasim(["run", scen, "--platform", "rpi4", "--kernel", "5.13", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const rj = JSON.parse(r.stdout) as { steps: { result: Record<string, unknown> }[] };
    expect(ej.result.bounced).toBe(true);
    expect(rj.steps[1]!.result.bounced).toBe(true);
    expect(ej.result).toEqual(rj.steps[1]!.result);
    expect(ej.result.dma_addr).toBe("0xf3400000");
  });
});

describe("platforms --json names each device's roles, as the text view does", () => {
  it("rpi4's GENET is the nic, its v4l2 device the video role and the default; x86_64's e1000e the nic; arm32's vpu plays no role", async () => {
    const o = await dmasimOnce(["platforms", "--json"]);
    expect(o.code, o.stderr).toBe(0);
    const j = JSON.parse(o.stdout) as { platforms: { id: string; devices: { name: string; default: boolean; roles: string[] }[] }[] };
    const dev = (p: string, d: string) => j.platforms.find((x) => x.id === p)!.devices.find((x) => x.name === d)!;
    expect(dev("rpi4", "fd580000.ethernet").roles).toEqual(["nic"]);
    expect(dev("rpi4", "fe00b000.v4l2")).toMatchObject({ default: true, roles: ["video"] });
    expect(dev("x86_64", "0000:00:1f.6").roles).toEqual(["nic"]);
    expect(dev("arm32", "fe00a000.vpu").roles).toEqual([]);
    // every role the text view prints in brackets is in the JSON
    const t = await dmasimOnce(["platforms"]);
    const bracketed = [...t.stdout.matchAll(/^\s+[-*] (\S+)(?: \(default\))? \[([^\]]+)\]/gm)].map((m) => `${m[1]}=${m[2]}`);
    const fromJson = j.platforms.flatMap((p) => p.devices.filter((d) => d.roles.length).map((d) => `${d.name}=${d.roles.join(", ")}`));
    expect(bracketed.length).toBeGreaterThan(20);
    expect(new Set(fromJson)).toEqual(new Set(bracketed));
  });
});

describe("explain's header names the tree a version follows", () => {
  it("5.13, which has no stored tree, says so in words (it read 'follows none stored: inferred from ...')", async () => {
    const o = await dmasimOnce(["explain", "dma_alloc_coherent", "--platform", "rpi4-xen", "--kernel", "5.13"]);
    expect(o.code, o.stderr).toBe(0);
    expect(lines(o.stdout)[1]).toBe("(Linux 5.13 as modelled follows no stored tree: inferred from zhangyinjun/linux-5.12.9 and lsk-legends/linux-5.14)");
    const k = await dmasim(["explain", "dma_alloc_coherent", "--platform", "rpi4-xen", "--kernel", "5.14"]);
    expect(lines(k.stdout)[1]).toBe("(Linux 5.14 as modelled follows lsk-legends/linux-5.14 (5.14-rc5))");
  });
});

describe("a newcomer's scenario mistakes get one line that says what is wrong, where", () => {
  it("a step key indented one column less than the key above it: the line and column of that key, and why (was 'Sequence item without - indicator' at column 1)", async () => {
    const f = file("indent.yaml", "name: rx buffer on the pi\nplatform: rpi4\nsteps:\n  - op: kmalloc\n    size: 2K\n    as: rx\n  - op: dma_map_single\n    buf: rx\n    size: 2K\n    dir: DMA_FROM_DEVICE\n   as: m\n");
    expect(usageError(await dmasim(["run", f]))).toBe(`${f}:11:4: invalid YAML: this line is indented less than 'dir:' on line 10 (column 4, not 5): the keys of one mapping start in the same column`);
  });

  it("a config key indented less than the one above it (was 'All mapping items must start at the same column' at column 1)", async () => {
    const f = file("indent-config.yaml", "name: t\nconfig:\n    mem: 1G\n   cma: 0\nsteps:\n  - { op: kmalloc, size: 4K }\n");
    expect(usageError(await dmasim(["run", f]))).toBe(`${f}:4:4: invalid YAML: this line is indented less than 'mem:' on line 3 (column 4, not 5): the keys of one mapping start in the same column`);
  });
});

describe("an unknown op says what the ops are", () => {
  it("a prefix of some ops lists them; a word near none says where the list is (both said only \"unknown op 'X'\")", async () => {
    const f = file("op.yaml", "name: t\nplatform: rpi4\nsteps:\n  - op: kmalloc\n    size: 2K\n    as: rx\n  - op: dma_map\n    buf: rx\n");
    expect(usageError(await dmasim(["run", f]))).toBe(`${f}:7:9: steps[1].op: unknown op 'dma_map' (ops that begin with it: dma_map_single, dma_map_page, dma_map_sg, dma_map_phys, dma_mapping_error, dma_map_resource)`);
    const g = file("op2.yaml", "name: t\nsteps:\n  - op: allocate\n    size: 2K\n");
    expect(usageError(await dmasim(["run", g]))).toBe(`${g}:3:9: steps[0].op: unknown op 'allocate' (\`dmasim schema\` lists every op; scenarios/README.md describes them)`);
    // a near miss keeps its "did you mean"
    const h = file("op3.yaml", "name: t\nsteps:\n  - op: dma_map_singel\n");
    expect(usageError(await dmasim(["run", h]))).toBe(`${h}:3:9: steps[0].op: unknown op 'dma_map_singel' (did you mean 'dma_map_single'?)`);
    expect(usageError(await dmasim(["explain", "dma_sync", "--platform", "rpi4"]))).toBe("dmasim: unknown op 'dma_sync' (ops that begin with it: dma_sync_single_for_cpu, dma_sync_single_for_device, dma_sync_sg_for_cpu, dma_sync_sg_for_device)");
  });
});

describe("an expectation in the wrong place says where it goes", () => {
  it("data: beside a read's arguments: 'an expectation: write it under expect' (it said only that cpu_read takes no 'data')", async () => {
    const f = file("exp1.yaml", "name: t\nsteps:\n  - op: kmalloc\n    size: 2K\n    as: rx\n  - op: cpu_read\n    buf: rx\n    length: 6\n    data: \"packet\"\n");
    expect(usageError(await dmasim(["run", f]))).toBe(`${f}:9:5: steps[1].data: unknown key 'data' for cpu_read (an expectation: write it under expect, as expect: { data: ... }); it takes: buf, offset, length, cpu, expect`);
  });

  it("expect: with a bare value: what an expect mapping holds (it said 'expected object, got ...')", async () => {
    const f = file("exp2.yaml", "name: t\nsteps:\n  - op: kmalloc\n    size: 2K\n    as: rx\n  - op: cpu_read\n    buf: rx\n    length: 6\n    expect: \"packet\"\n");
    expect(usageError(await dmasim(["run", f]))).toBe(`${f}:9:13: steps[1].expect: expected a mapping such as { data: "hello" } or { ok: true } (its keys: ok, returns, data, addr_kind, fault, diagnostic, bounced, log), got 'packet'`);
    const g = file("exp3.yaml", "name: t\nexpect: none\nsteps:\n  - { op: kmalloc, size: 4K }\n");
    expect(usageError(await dmasim(["run", g]))).toBe(`${g}:2:9: expect: expected a mapping such as { faults: none }, got 'none'`);
  });
});

describe("a run with no expectation says it checked none", () => {
  it("the verdict line names what was checked (it read 'PASS: 4/4 steps ran, 0/0 expectations held' for a read that got zeros)", async () => {
    const f = file("noexpect.yaml", "name: rx\nplatform: rpi4\nsteps:\n  - { op: kmalloc, size: 2K, as: rx }\n  - { op: dma_map_single, buf: rx, size: 2K, dir: DMA_FROM_DEVICE, as: m }\n  - { op: device_write, map: m, data: packet }\n  - { op: cpu_read, buf: rx, length: 6 }\n");
    const o = await dmasim(["run", f, "--kernel", "6.1"]);
    expect(o.code, o.stderr).toBe(0);
    expect(o.stdout).toContain("cpu_read  data=00 00 00 00 00 00"); // no sync: what an expect: { data: packet } would have caught
    expect(lines(o.stdout).at(-1)).toBe("PASS: 4/4 steps ran, no expectations (only checked that nothing oopsed, panicked, hung or hit what is not RAM: add expect: to a step)");
  });
});

describe("fuzz --json names its device and keeps snake_case", () => {
  it("a failure carries shrunk_from (and shrunkFrom, its name before), the result the device, as bench --json does", async () => {
    const o = await dmasimOnce(["fuzz", "--seed", "7", "--steps", "200", "--platform", "rpi4-xen", "--kernel", "5.6", "--json"]);
    expect(o.code, o.stderr).toBe(1);
    const j = JSON.parse(o.stdout) as { device: string; failures: { step: number; shrunk_from: number; shrunkFrom: number; scenario: { steps: unknown[] } }[] };
    expect(j.device).toBe("fe00b000.v4l2");
    const f = j.failures[0]!;
    expect(f.step).toBe(29);
    expect(f.shrunk_from).toBe(30);
    expect(f.shrunkFrom).toBe(f.shrunk_from);
    expect(f.scenario.steps.length).toBeLessThan(f.shrunk_from);
    const b = await dmasim(["fuzz", "--seed", "1", "--steps", "50", "--platform", "x86_64", "--device", "0000:00:1f.6", "--json"]);
    expect(b.code, b.stderr).toBe(0);
    expect((JSON.parse(b.stdout) as { device: string }).device).toBe("0000:00:1f.6");
  });
});

describe("--help says the defaults a newcomer needs", () => {
  it("run --help names the platform and kernel used when neither the scenario nor the option does; fuzz --help says the teardown counts", async () => {
    const r = await dmasimOnce(["run", "--help"]);
    expect(r.code).toBe(0);
    const flat = r.stdout.replace(/\s+/g, " ");
    expect(flat).toContain("--platform <id> platform (overrides the scenario's; without either: rpi4; `dmasim platforms` lists them)");
    expect(flat).toContain("6.12, 6.18 (overrides the scenario's; without either: 5.19)");
    const f = await dmasimOnce(["fuzz", "--help"]);
    expect(f.stdout.replace(/\s+/g, " ")).toContain("--steps <n> number of operations to generate (each epoch then tears down what is left: its unmaps and frees count in the total printed)");
    // what it says is what happens: no platform, no kernel → rpi4 5.19; --steps 2000 prints more operations than 2000
    const o = await dmasim(["run", "-"], { input: "name: t\nsteps:\n  - { op: kmalloc, size: 4K }\n" });
    expect(lines(o.stdout)[1]).toMatch(/^platform\s+rpi4\s+kernel 5\.19\s/);
    const z = await dmasim(["fuzz", "--seed", "1", "--steps", "2000"]);
    const ops = Number(/: (\d+) operations in/.exec(z.stdout)![1]);
    expect(ops).toBeGreaterThan(2000);
  });
});

describe("README 'JSON output' names every field each --json prints", () => {
  /** The README table: object → its fields (required, optional), parentheticals dropped. */
  function documented(): Map<string, { req: Set<string>; opt: Set<string> }> {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const sec = readme.slice(readme.indexOf("### JSON output"), readme.indexOf("### Reading the output"));
    const m = new Map<string, { req: Set<string>; opt: Set<string> }>();
    for (const row of sec.split("\n").filter((l) => l.startsWith("| `"))) {
      const [, label, cell] = row.split("|").map((c) => c.trim());
      const req = new Set<string>();
      const opt = new Set<string>();
      let plain = cell!;
      while (/\([^()]*\)/.test(plain)) plain = plain.replace(/\([^()]*\)/g, "");
      for (const t of plain.matchAll(/`([A-Za-z_][A-Za-z0-9_]*)`(\?)?/g)) (t[2] ? opt : req).add(t[1]!);
      m.set(label!.replaceAll("`", ""), { req, opt });
    }
    return m;
  }
  async function json(args: string[]): Promise<Record<string, unknown>> {
    const o = await dmasimOnce([...args, "--json"]);
    expect([0, 1, 2], o.stderr).toContain(o.code); // 2: matrix with an ERROR cell still prints its JSON
    expect(o.stdout, o.stderr).not.toBe("");
    return JSON.parse(o.stdout) as Record<string, unknown>;
  }
  const arr = (objs: Record<string, unknown>[], key: string) => objs.flatMap((o) => o[key] as Record<string, unknown>[]);

  it("run, matrix, headline, explain, fuzz, bench, platforms, kernels: each object's keys are the table's, the required ones always", async () => {
    const doc = documented();
    const runs = [await json(["run", "scenarios/seed-atomic-free.yaml", "--kernel", "5.6", "--trace"]), await json(["run", "scenarios/drivers/unchecked-mapping-error.yaml"]), await json(["run", "scenarios/seed-mmap.yaml", "--kernel", "5.13"]), await json(["run", "scenarios/drivers/gfp-comp-coherent.yaml", "--kernel", "6.6"])];
    // an ERROR cell: a run refused at run time (a 1 MiB buffer on x86_64's 16 KiB stack)
    const big = file("big-stack.yaml", "name: too big for the stack\nsteps:\n  - { op: stack_buffer, size: 1M, as: s }\n");
    const matrix = await json(["matrix", "scenarios/seed-mmap.yaml", "scenarios/drivers/map-mmio-phys.yaml", big, "--kernels", "5.13,6.18", "--platforms", "rpi4,x86_64"]);
    const fuzzes = [await json(["fuzz", "--seed", "7", "--steps", "200", "--platform", "rpi4-xen", "--kernel", "5.6"]), await json(["fuzz", "--seed", "1", "--steps", "100", "--jobs", "2", "--set", "swiotlb=force"])];
    const platforms = await json(["platforms"]);
    const objects: Record<string, Record<string, unknown>[]> = {
      run: runs,
      "run steps[]": arr(runs, "steps"),
      "run expectations[]": arr(runs, "expectations"),
      "run diagnostics[]": arr(runs, "diagnostics"),
      "run faults[]": arr(runs, "faults"),
      "run log[]": arr(runs, "log"),
      matrix: [matrix],
      "matrix cells[]": arr([matrix], "cells"),
      headline: [await json(["headline"])],
      explain: [await json(["explain", "dma_map_single", "--platform", "rpi4", "--kernel", "5.13"])],
      fuzz: fuzzes,
      "fuzz failures[]": arr(fuzzes, "failures"),
      // the third: a panic in the benchmark kthread (no swiotlb pool to bounce a 30-bit map through), ok false with first_failure
      bench: [await json(["bench", "-s", "1", "--platform", "x86_64"]), await json(["bench", "-s", "1", "--platform", "x86_64", "--set", "mem=2G"]), await json(["bench", "-s", "1", "--platform", "x86_64", "--kernel", "5.13", "--set", "mem=2G", "-b", "24"])],
      platforms: [platforms],
      "platforms platforms[]": arr([platforms], "platforms"),
      "platforms devices[]": arr(arr([platforms], "platforms"), "devices"),
      kernels: [await json(["kernels"])],
      "kernels VERSION": [await json(["kernels", "6.1"])],
    };
    expect([...doc.keys()].sort()).toEqual(Object.keys(objects).sort());
    for (const [label, objs] of Object.entries(objects)) {
      const { req, opt } = doc.get(label)!;
      expect(objs.length, label).toBeGreaterThan(0);
      const seen = new Set<string>();
      for (const o of objs) {
        for (const k of Object.keys(o)) seen.add(k);
        expect(Object.keys(o).filter((k) => !req.has(k) && !opt.has(k)), `${label}: not in the README`).toEqual([]);
        expect([...req].filter((k) => !(k in o)), `${label}: in the README, missing`).toEqual([]);
      }
      // every optional field shows up in one of the outputs above (the table names nothing that never appears)
      expect([...opt].filter((k) => !seen.has(k)), `${label}: optional, never seen`).toEqual([]);
    }
  }, 300_000);
});

describe("matrix with nothing that applies says why", () => {
  it("a kernel that lacks the scenario's op is named with its reason (it said 'no scenario applies to the selected platforms (rpi4)', though rpi4 was not the cause)", async () => {
    const o = await dmasim(["matrix", "scenarios/drivers/noncoherent-rx-buffer.yaml", "--kernels", "5.13", "--platforms", "rpi4"]);
    expect(o.code).toBe(2);
    expect(o.stderr).toBe('dmasim: no scenario applies to the selected platforms (rpi4) and kernels (5.13); first: dma_opt_mapping_size does not exist in Linux 5.13 (added in 6.0 by a229cc14f339 "dma-mapping: add dma_opt_mapping_size()")\n');
  });
});

describe("the READMEs' paths resolve", () => {
  it("every repository path README.md and scenarios/README.md name exists, relative to the file (README named ../shared/reference/, outside the repository)", () => {
    const missing: string[] = [];
    let checked = 0;
    for (const [doc, dir] of [["README.md", ""], ["scenarios/README.md", "scenarios/"]] as const) {
      const text = readFileSync(join(ROOT, doc), "utf8");
      for (const m of text.matchAll(/`((?:\.\.\/)*(?:src|test|scenarios|docs|tools|bench|schema|scripts|web|bin|\.ci|shared)\/[A-Za-z0-9_.\/-]*)`/g)) {
        const p = m[1]!;
        if (p.includes("*")) continue;
        checked++;
        if (!existsSync(join(ROOT, dir, p))) missing.push(`${doc}: ${p}`);
      }
    }
    expect(checked).toBeGreaterThan(30);
    expect(missing).toEqual([]);
  });
});

describe("explain --dir", () => {
  it("gives a map or sync its direction, as the library's dir option does; an allocation takes none (explain had no --dir: every map was DMA_BIDIRECTIONAL)", async () => {
    const o = await dmasim(["explain", "dma_sync_single_for_cpu", "--platform", "rpi4", "--kernel", "6.1", "--dir", "DMA_FROM_DEVICE"]);
    expect(o.code, o.stderr).toBe(0);
    const l = lines(o.stdout);
    expect(l[0]).toBe("dma_sync_single_for_cpu on rpi4 (Linux 6.1), device fe00b000.v4l2: size 0x10000, gfp GFP_KERNEL, attrs 0, dir DMA_FROM_DEVICE");
    expect(o.stdout).toContain("→ dma_sync_single_for_cpu(dev=fe00b000.v4l2, addr=0xf3400000, size=0x10000, dir=DMA_FROM_DEVICE)  [kernel/dma/mapping.c]");
    expect(o.stdout).toMatch(/· cache invalidate phys 0x33400000 \+65536/);
    expect(usageError(await dmasim(["explain", "dma_alloc_coherent", "--platform", "rpi4", "--dir", "DMA_TO_DEVICE"]))).toBe("dmasim: --dir: dma_alloc_coherent takes no DMA direction");
    expect(usageError(await dmasim(["explain", "dma_map_single", "--platform", "rpi4", "--dir", "TO_DEVICE"]))).toBe("dmasim: --dir: unknown DMA direction 'TO_DEVICE' (use DMA_BIDIRECTIONAL, DMA_TO_DEVICE, DMA_FROM_DEVICE, DMA_NONE)");
  });
});

describe("the README's commands run as written", () => {
  /** The `npx dmasim ...` lines of README.md's sh blocks, comments dropped, globs expanded. */
  function readmeCommands(): string[][] {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const out: string[][] = [];
    for (const block of readme.matchAll(/```sh\n([\s\S]*?)```/g))
      for (const line of block[1]!.split("\n")) {
        const m = /^npx dmasim (.*?)\s*(?:#.*)?$/.exec(line);
        if (!m) continue;
        out.push(
          m[1]!.split(/\s+/).flatMap((a) => {
            if (!a.includes("*")) return [a];
            const slash = a.lastIndexOf("/");
            const re = new RegExp("^" + a.slice(slash + 1).replace(/[.]/g, "\\.").replace(/\*/g, ".*") + "$");
            return readdirSync(join(ROOT, a.slice(0, slash))).filter((f) => re.test(f)).sort().map((f) => a.slice(0, slash + 1) + f);
          }),
        );
      }
    return out;
  }

  it("every `npx dmasim` example but serve exits 0 or 1 (ran), never 2 (a flag or value it does not take)", async () => {
    const cmds = readmeCommands();
    expect(cmds.length).toBeGreaterThan(12);
    for (const args of cmds) {
      if (args[0] === "serve") continue;
      const o = await dmasimOnce(args);
      expect([0, 1], `dmasim ${args.join(" ")}: ${o.stderr}`).toContain(o.code);
      expect(o.stdout.length, args.join(" ")).toBeGreaterThan(0);
    }
  }, 300_000);

  it("every --option the README names is an option of some command", async () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8").replace(/tsc --noEmit/g, "");
    const named = new Set([...readme.matchAll(/(?<![\w-])--([a-z][a-z0-9-]*)/g)].map((m) => m[1]!));
    const known = new Set<string>();
    for (const c of ["run", "matrix", "explain", "platforms", "kernels", "schema", "headline", "serve", "bench", "fuzz"]) for (const m of (await dmasimOnce([c, "--help"])).stdout.matchAll(/--([a-z][a-z0-9-]*)/g)) known.add(m[1]!);
    expect(named.size).toBeGreaterThan(10);
    expect([...named].filter((f) => !known.has(f))).toEqual([]);
  });
});

describe("README 'Library use' names only what the package exports", () => {
  it("every class and type the section lists is exported by src/index.ts (the shipped .d.ts is built from it)", () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const sec = readme.slice(readme.indexOf("## Library use"), readme.indexOf("## Tests"));
    const names = [...sec.slice(sec.indexOf("Both classes are exported")).matchAll(/`([A-Z][A-Za-z]+)`/g)].map((m) => m[1]!);
    expect(names).toEqual(expect.arrayContaining(["OptionError", "InputError", "RunResult", "MatrixResult", "ExplainResult"]));
    const index = readFileSync(join(ROOT, "src", "index.ts"), "utf8");
    const exported = new Set([...index.matchAll(/export (?:type )?\{([^}]*)\}/g)].flatMap((m) => m[1]!.split(",").map((x) => x.trim().replace(/^type /, "").split(/\s+as\s+/).pop()!)));
    expect(names.filter((n) => !exported.has(n))).toEqual([]);
  });
});

describe("README 'JSON output': the kernels' gained and lost", () => {
  it("are commit ids in kernels --json's versions[] and switch objects in kernels VERSION --json, as the table says", async () => {
    const all = JSON.parse((await dmasimOnce(["kernels", "--json"])).stdout) as { versions: { id: string; gained: unknown[] }[]; switches: { commit: string }[] };
    const one = JSON.parse((await dmasimOnce(["kernels", "6.1", "--json"])).stdout) as { gained: { commit: string }[]; switches: unknown[] };
    const v61 = all.versions.find((v) => v.id === "6.1")!;
    expect(v61.gained.every((g) => typeof g === "string")).toBe(true);
    expect(one.gained.map((g) => g.commit)).toEqual(v61.gained);
    expect(one.switches.every((s) => typeof s === "string")).toBe(true);
    expect(Object.keys(all.switches[0]!).sort()).toEqual(["absent", "commit", "effect", "release", "stable", "subsystem", "title"]);
  });
});

describe("every --json is indented the same way", () => {
  it("bench --json is indented like run, explain, fuzz and platforms (it was one line)", async () => {
    for (const args of [["bench", "-s", "1", "--platform", "x86_64"], ["fuzz", "--seed", "1", "--steps", "50"], ["explain", "dma_alloc_coherent", "--platform", "rpi4"], ["platforms"]]) {
      const o = await dmasimOnce([...args, "--json"]);
      expect(o.code, o.stderr).toBe(0);
      expect(o.stdout, args[0]).toBe(JSON.stringify(JSON.parse(o.stdout), null, 2) + "\n");
    }
  });
});

describe("an unknown command says which one was meant", () => {
  it("dmasim web → serve; a word near no command lists them; a near miss keeps commander's suggestion (it said only \"unknown command 'web'\")", async () => {
    expect(usageError(await dmasim(["web"]))).toBe("dmasim: unknown command 'web' (did you mean dmasim serve?)");
    expect(usageError(await dmasimOnce(["frobnicate"]))).toBe("dmasim: unknown command 'frobnicate' (commands: run, matrix, explain, platforms, kernels, schema, headline, serve, bench, fuzz)");
    expect(usageError(await dmasim(["explian"]))).toBe("dmasim: unknown command 'explian' (did you mean explain?)");
  });
});
