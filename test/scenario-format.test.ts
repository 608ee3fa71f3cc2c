/**
 * Scenario format: repeat blocks, device roles, JSON scenarios, exact 64-bit values, the fast
 * YAML reader (checked against the `yaml` package), "did you mean".
 */
import { readdirSync, readFileSync } from "node:fs";
import { parse as yamlParse } from "yaml";
import { describe, expect, it } from "vitest";
import { InputError } from "../src/core/faults.js";
import { parseScenarioText } from "../src/scenario/parse.js";
import { runScenario } from "../src/scenario/runner.js";
import { suggest } from "../src/scenario/suggest.js";
import { fastYaml } from "../src/scenario/yaml-fast.js";
import { PLATFORMS } from "../src/platforms/index.js";
import { ROOT, errorOf } from "./helpers.js";

const y = (...lines: string[]) => lines.join("\n") + "\n";


/** What the `yaml` package makes of a text, integers normalised as parse.ts does. */
function viaYaml(text: string): unknown {
  const norm = (v: unknown): unknown => {
    if (typeof v === "bigint") return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
    if (Array.isArray(v)) return v.map(norm);
    if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, norm(x)]));
    return v;
  };
  return norm(yamlParse(text, { intAsBigInt: true, uniqueKeys: true }));
}

function bundled(dir = "scenarios/"): string[] {
  const out: string[] = [];
  for (const e of readdirSync(ROOT + dir, { withFileTypes: true })) {
    if (e.isDirectory()) out.push(...bundled(dir + e.name + "/"));
    else if (/\.ya?ml$/.test(e.name)) out.push(dir + e.name);
  }
  return out;
}

describe("repeat blocks", () => {
  const ring = readFileSync(ROOT + "scenarios/drivers/rx-ring.yaml", "utf8");

  it("the 64-buffer RX ring is a short file that expands to 512 steps with indexed names and data", () => {
    expect(ring.split("\n").length).toBeLessThan(50);
    const s = parseScenarioText(ring, "rx-ring.yaml");
    expect(s.steps).toHaveLength(64 * 3 + 64 * 5);
    expect(s.steps[3]).toMatchObject({ op: "kmalloc", as: "buf1", args: { size: 2048 } });
    expect(s.steps[4]).toMatchObject({ op: "dma_map_single", as: "rx1", args: { buf: "buf1" } });
    const w = s.steps[192 + 5 * 37]!;
    expect(w).toMatchObject({ op: "device_write", args: { map: "rx37", data: "packet-37" } });
    // positions point into the block, at the template step
    expect(w.line).toBe(ring.split("\n").findIndex((l) => l.includes("op: device_write")) + 1);
  });

  it.each(["rpi4", "x86_64"])("on %s every buffer gets its own mapping and the CPU reads packet i from buffer i", (platform) => {
    const r = runScenario(parseScenarioText(ring, "rx-ring.yaml"), { platform });
    expect(r.ok).toBe(true);
    const dmaAddrs = new Set(r.steps.filter((x) => x.op === "dma_map_single").map((x) => x.result.dma_addr));
    expect(dmaAddrs.size).toBe(64);
    const reads = r.steps.filter((x) => x.op === "cpu_read");
    expect(reads).toHaveLength(64);
    // 9 bytes read: "packet-i" and, for i < 10, one more byte of the buffer (printed as hex then)
    const text = (d: unknown) => (String(d).startsWith('"') ? JSON.parse(String(d).replace(/…".*$/, '"')) as string : String.fromCharCode(...String(d).split(" ").map((b) => parseInt(b, 16))));
    reads.forEach((x, i) => expect(text(x.result.data).startsWith(`packet-${i}`)).toBe(true));
  });

  it("arithmetic in offsets, sizes and fill data; nested blocks", () => {
    const s = parseScenarioText(
      y(
        "name: x",
        "steps:",
        "  - op: kmalloc",
        "    size: 8K",
        "    as: big",
        "  - repeat: 2",
        "    as: i",
        "    steps:",
        "      - repeat: 3",
        "        as: j",
        "        steps:",
        "          - op: cpu_write",
        "            buf: big",
        "            offset: ${(i * 3 + j) * 64}",
        "            data: { fill: \"${i * 16 + j}\", length: 64 }",
        "      - op: kmalloc",
        '        size: "${i + 1}K"',
        "        as: b${i}",
        "  - op: cpu_read",
        "    buf: big",
        "    offset: 320",
        "    length: 64",
        "    expect: { data: { fill: 0x12, length: 64 } }",
      ),
      "t.yaml",
    );
    expect(s.steps.map((x) => x.args.offset).filter((x) => x !== undefined)).toEqual([0, 64, 128, 192, 256, 320, 320]);
    expect(s.steps[2]!.args.data).toEqual({ fill: 1, length: 64 });
    expect(s.steps.filter((x) => x.op === "kmalloc").map((x) => [x.as, x.args.size])).toEqual([["big", 8192], ["b0", 1024], ["b1", 2048]]);
    const r = runScenario(s, { platform: "x86_64" });
    expect(r.ok).toBe(true);
    expect(r.steps[r.steps.length - 1]!.result.data).toMatch(/^12 12 12/);
  });

  it("errors point into the block and name the iteration", () => {
    const base = ["name: x", "steps:", "  - repeat: 4", "    as: i", "    steps:"];
    expect(errorOf(y(...base, "      - op: kmalloc", "        size: ${k}K"))).toBe(
      "t.yaml:7:15: steps[0].steps[0].size: unknown variable 'k' (in scope: i) in '${k}' (in repeat: i=0)",
    );
    expect(errorOf(y(...base, "      - op: kmalloc", "        size: 4K", "        as: b${i % 2}"))).toBe(
      "t.yaml:8:13: steps[0].steps[0].as: 'b0' is already defined by steps[0] (line 6); every 'as' name must be unique (in repeat: i=2)",
    );
    expect(errorOf(y("name: x", "steps:", "  - repeat: -1", "    steps: [{op: kmalloc, size: 4}]"))).toMatch(/^t\.yaml:3:13: steps\[0\]\.repeat: expected a repeat count/);
    expect(errorOf(y("name: x", "steps:", "  - repeat: 2", "    stesp: []"))).toMatch(/^t\.yaml:4:5: steps\[0\]\.stesp: unknown key 'stesp' in a repeat block \(did you mean 'steps'\?\)/);
    expect(errorOf(y("name: x", "steps:", "  - repeat: 2", "    steps:", "      - repeat: 2", "        steps: [{op: kmalloc, size: 4}]"))).toMatch(
      /^t\.yaml:5:9: steps\[0\]\.steps\[0\]\.as: 'i' is already the index of an enclosing repeat block/,
    );
    expect(errorOf(y("name: x", "steps:", "  - repeat: 1000000", "    steps: [{op: kmalloc, size: 4}, {op: kmalloc, size: 4}]"))).toMatch(
      /^t\.yaml:3:13: steps\[0\]\.repeat: 1,000,000 × 2 steps is more than the 1,000,000 steps a scenario may have/,
    );
  });
});

describe("device roles", () => {
  const text = y("name: ring", "device: nic", "steps:", "  - op: kmalloc", "    size: 2K", "    as: b", "  - op: dma_map_single", "    buf: b", "    size: 2K", "    dir: DMA_FROM_DEVICE");

  it("one file, each platform's own NIC", () => {
    const s = parseScenarioText(text, "t.yaml");
    expect(runScenario(s, { platform: "rpi4" }).device).toBe("fd580000.ethernet");
    expect(runScenario(s, { platform: "x86_64" }).device).toBe("0000:00:1f.6");
    expect(runScenario(s, { platform: "arm64-coherent" }).device).toBe("0000:02:00.0");
    // the device's DT dma-ranges decide the bus address: GENET on scb is 1:1, the soc's v4l2 sees
    // RAM at 0xc0000000 + phys for the low GiB only, so the same kmalloc buffer (high in RAM) bounces
    const nic = runScenario(s, { platform: "rpi4" });
    const phys = BigInt(String(nic.steps[0]!.result.ret)) - 0xffff000000000000n; // arm64 VA48 linear map, PHYS_OFFSET 0
    expect(nic.steps[1]!.result).toMatchObject({ dma_addr: "0x" + phys.toString(16), bounced: false });
    const onSoc = runScenario(parseScenarioText(text.replace("device: nic", "device: video"), "t.yaml"), { platform: "rpi4" });
    expect(onSoc.device).toBe("fe00b000.v4l2");
    expect(onSoc.steps[0]!.result.ret).toBe(nic.steps[0]!.result.ret);
    expect(onSoc.steps[1]!.result.bounced).toBe(true);
    const bus = BigInt(String(onSoc.steps[1]!.result.dma_addr));
    expect(bus >= 0xc0000000n && bus < 0x100000000n).toBe(true);
  });

  it("every platform maps nic; every role maps to one of the platform's devices", () => {
    for (const p of PLATFORMS) {
      expect(p.roles.nic).toBeDefined();
      for (const name of Object.values(p.roles)) expect(p.devices.map((d) => d.name)).toContain(name);
    }
  });

  it("a role a platform lacks is an error at the device line; an unknown device is refused at parse time", () => {
    const s = parseScenarioText(text.replace("device: nic", "device: camera"), "t.yaml");
    expect(() => runScenario(s, { platform: "x86_64" })).toThrow(InputError);
    try {
      runScenario(s, { platform: "x86_64" });
    } catch (e) {
      expect((e as InputError).format()).toBe("t.yaml:2:9: device: x86_64 has no camera device (roles there: nic, audio, storage)");
    }
    expect(errorOf(text.replace("device: nic", "device: nicc"))).toMatch(/^t\.yaml:2:9: device: unknown device 'nicc' \(did you mean 'nic'\?\)/);
  });
});

describe("JSON scenarios and exact values", () => {
  const yamlText = readFileSync(ROOT + "scenarios/seed-mmap.yaml", "utf8");
  const json = JSON.stringify(yamlParse(yamlText), null, 2);

  it("a JSON scenario parses to the same steps as its YAML", () => {
    const a = parseScenarioText(yamlText, "a.yaml");
    const b = parseScenarioText(json, "a.json");
    const strip = (s: typeof a) => s.steps.map(({ line: _l, col: _c, ...rest }) => rest);
    expect(strip(b)).toEqual(strip(a));
    expect(b.kernel).toBe("5.13");
  });

  it("JSON errors carry line and column, from stdin too (detected by content)", () => {
    expect(errorOf(json.replace('"64K"', '"64Q"'), "a.json")).toMatch(/^a\.json:\d+:\d+: steps\[0\]\.size: '64Q' is not a number/);
    expect(errorOf('{"name": "x",\n "steps": [}', "a.json")).toBe("a.json:2:12: invalid JSON: expected a value, found '}'");
    expect(errorOf('{"name": "x",\n "steps": 5}', "<stdin>")).toBe("<stdin>:2:11: steps: expected a list of steps, got 5");
  });

  it("dma_addr above 2^53 is held exactly (bigint); kernel-half values keep the signed form", () => {
    const s = parseScenarioText(y("name: x", "steps:", "  - op: device_read", "    dma_addr: 0x20000000000001", "    length: 4", "  - op: device_read", "    dma_addr: 0xffffffffffff0000", "    length: 4"), "t.yaml");
    expect(s.steps[0]!.args.dma_addr).toBe(0x20000000000001n);
    expect(s.steps[1]!.args.dma_addr).toBe(-0x10000);
    const j = parseScenarioText('{"name": "x", "steps": [{"op": "device_read", "dma_addr": 9007199254740993, "length": 4}]}', "t.json");
    expect(j.steps[0]!.args.dma_addr).toBe(9007199254740993n);
  });

  it("unquoted kernel: 5.10 means 5.10 (not 5.1)", () => {
    expect(parseScenarioText(y("name: x", "kernel: 5.10", "steps:", "  - {op: kmalloc, size: 4}"), "t.yaml").kernel).toBe("5.10");
    expect(parseScenarioText(y("name: x", "kernel: 5.10 # comment", "x: &a 1", "steps:", "  - {op: kmalloc, size: 4}").replace("x: &a 1\n", ""), "t.yaml").kernel).toBe("5.10");
    // through the yaml package (an anchor forces it)
    expect(parseScenarioText(y("name: &n x", "kernel: 5.10", "steps:", "  - {op: kmalloc, size: 4}"), "t.yaml").kernel).toBe("5.10");
  });
});

describe("the fast YAML reader agrees with the yaml package", () => {
  it.each(bundled())("%s", (rel) => {
    const text = readFileSync(ROOT + rel, "utf8");
    const fast = fastYaml(text);
    expect(fast).not.toBeNull();
    expect(fast!.value).toEqual(viaYaml(text));
  });

  const snippets = [
    y("a: 1", "b: -2", "c: 0x1F", "d: 0o17", "e: 1.5", "f: 1e3", "g: .5", "h: ~", "i: null", "j: True", "k: FALSE", "l: 12345678901234567890", "m: +7", "n: 0X1F", "o: 1_000", "p: .inf", "q: -.Inf"),
    y("s: 'it''s'", 's2: "tab\\tnl\\nq\\" \\u00e9 \\x41"', "s3: plain text # comment", "s4: a#b", "s5: 'x' # c", "s6: http://x:80/y"),
    y("d: >", "  folded text", "  goes on", "", "  new para", "e: |", "  literal", "   indented? no", "f: |-", "  strip", "g: x"),
    y("d: >", "  one", "  two", "e: 1"),
    y("l:", "- a", "- b:", "    c: 1", "- - x", "  - y", "m: {a: 1, 'b': [1, 2, {c: d}], \"e\":f}", "n: []", "o: {}"),
    y("top:", "  - op: x", "    k: v", "", "    # comment", "  - op: y", "after: 1"),
    y("a:", "b: 2", "c:", "  - 1"),
    y("# only a comment first", "x: [a b, c]", "y: -1.5e-3", "z: -", "w: ? x"),
    "a: 1\r\nb: [1,2]\r\n",
    y("a: 'multi", "  line'"),
    y("a: &x 1", "b: *x"),
    y("a: &m", "  k: v", "  l: [1, 2]", "b: *m", "c:", "  - *m", "  - &s x", "  - *s", "d: &m 5", "e: *m"),
    y("s:", "  - &st {op: kmalloc, size: 64}", "  - *st", "  - &blk", "    op: kfree", "  - *blk # c", "t: &e", "u: *e"),
    y("a: &x", "  - *x"),
    y("a: *nope", "b: &nope 1"),
    y("- &k a: 1"),
    y("a: &x [1, *x]"),
    y("a: &x 1", "b: [*x]"),
    y("~: a", "0x1F: b", "1.50: c", "Null: d", "true: e", "1: f", "{1.0: g, 0o7: h}: i"),
    y("x: {~: a, 0x1F: b, 'q': c, 1: d}"),
    y("a: !!str 1"),
    y("a: 1", "a: 2"),
    y("---", "a: 1"),
    y("a:", "\tb: 1"),
    y("a: b: c"),
    y("a: x", "  y"),
  ];
  it.each(snippets.map((s, i) => [i, s]))("snippet %i: same value, or left to the yaml package", (_i, text) => {
    const fast = fastYaml(text);
    let slow: unknown;
    try {
      slow = viaYaml(text);
    } catch {
      expect(fast).toBeNull();
      return;
    }
    if (fast) expect(fast.value).toEqual(slow);
  });

  it("the bundled scenarios take the fast path (the subset covers the format as written)", () => {
    for (const rel of bundled()) expect(fastYaml(readFileSync(ROOT + rel, "utf8")), rel).not.toBeNull();
  });
});

describe("did you mean", () => {
  it("gpf: suggests gfp (a transposition is one edit), not op", () => {
    expect(errorOf(y("name: x", "steps:", "  - op: kmalloc", "    size: 4", "    gpf: GFP_KERNEL"))).toMatch(/unknown key 'gpf' for kmalloc \(did you mean 'gfp'\?\)/);
    expect(suggest("gpf", ["op", "size", "gfp", "expect"])).toBe("gfp");
  });

  it("a megabyte-long op name gets no suggestion and a short echo", () => {
    const long = "dma_map_single".repeat(80_000);
    const f = errorOf(y("name: x", "steps:", `  - op: ${long}`));
    expect(f.length).toBeLessThan(200);
    expect(f).toMatch(/^t\.yaml:3:9: steps\[0\]\.op: unknown op 'dma_map_singledma_map_single.*… \(1,120,000 characters\)'$/);
  });

  it("control characters in names are escaped in messages", () => {
    const f = errorOf(y("name: x", "steps:", '  - op: "\\e]0;pwned\\a"'));
    expect(f).toBe("t.yaml:3:9: steps[0].op: unknown op '\\x1b]0;pwned\\x07'");
  });
});

describe("the JSON Schema accepts what the CLI accepts", async () => {
  const { validate } = await import("./json-schema-lite.js");
  const schema = JSON.parse(readFileSync(ROOT + "schema/scenario.schema.json", "utf8")) as Record<string, unknown>;
  const asEditorSees = (text: string) => yamlParse(text) as unknown; // a language server reads YAML 1.2 core, numbers as numbers

  it.each(bundled())("%s validates (repeat blocks and templates included)", (rel) => {
    const text = readFileSync(ROOT + rel, "utf8");
    parseScenarioText(text, rel);
    expect(validate(schema, asEditorSees(text))).toBeNull();
  });

  it("unquoted kernel: 5.13 and 5.10 are accepted by both", () => {
    for (const k of ["5.13", "5.10", "5.6"]) {
      const text = y("name: x", `kernel: ${k}`, "steps:", "  - {op: kmalloc, size: 4}");
      expect(parseScenarioText(text, "t.yaml").kernel).toBe(k);
      expect(validate(schema, asEditorSees(text))).toBeNull();
    }
    const bad = y("name: x", "kernel: 4.19", "steps:", "  - {op: kmalloc, size: 4}");
    expect(errorOf(bad)).toMatch(/kernel: '4.19' is not a modelled kernel/);
    expect(validate(schema, asEditorSees(bad))).not.toBeNull();
  });

  it("both refuse an unknown key, a misspelt op and a bad size", () => {
    for (const text of [
      y("name: x", "steps:", "  - {op: kmalloc, size: 4, gpf: GFP_KERNEL}"),
      y("name: x", "steps:", "  - {op: kmaloc, size: 4}"),
      y("name: x", "steps:", "  - {op: kmalloc, size: 12Q}"),
      y("name: x", "steps:", "  - repeat: 2", "    stpes: []"),
    ]) {
      expect(() => parseScenarioText(text, "t.yaml")).toThrow(InputError);
      expect(validate(schema, asEditorSees(text))).not.toBeNull();
    }
  });
});

describe("the fast YAML reader on generated documents", () => {
  // block maps and lists up to 4 deep, scalars of every kind, flow collections, folded scalars,
  // comments, and malformed pieces; the reader must either agree with the yaml package or step aside
  const atoms = ["\"a\" # c", "'a'b", "[a]b", "{a: 1}x", "\"x\"y", "a #", "- - x", "- a: b", "[a, [b, {c: d}]]", "{ a : 1 }", "{a: }", "[a,]", "[, a]", "{a}", "{a: b, c}", "[a b: c]", "x: - y", "\"\\x41\\t\"", "\"\\U0001F600\"", "''", "\"\"", "a  #c", "0X1", "-0", "+.5", "1_0", ".inf", "-.Inf", ".NaN", "TRUE", "Null", "yes", "on", "1:2", "12:30:00", "2001-01-01", "a", "b c", "1", "-1", "0x1f", "1.5", "true", "null", "~", "'q''s'", '"d\\"q"', '"\\u00e9"', "x#y", "x #c", "[1, 2]", "{a: 1}", "{a: [b, c]}", "[]", "{}", "-", "--", "-x", ":x", "a:b", "http://x", "'a: b'", "\"a: b\"", "!", "&a x", "*a", "|", ">", "|-", ">-", "", " ", "5.10", "1e3", ".5", "0o7", "+3", "[a, b", "{a", "'x", "\"x", "a, b", "a]", "#", "@x", "`x", "%x", "? x", "x:", "x: y", "- x", "[a: b]", "{a: 1, a: 2}", "{'a': 1}", '{"a":1}', "a\tb", "\t", "x ", "[ x , y ]"];
  const keys = ["~", "0x1F", "1.50", "Null", "1e3", "-1", "a", "b", "op", "key with space", "'q'", "\"d\"", "-k", "k:", "1", "true", "x#y"];
  let seed = 7;
  const rnd = (n: number) => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };
  function gen(depth: number, indent: number): string[] {
    const lines: string[] = [];
    const n = 1 + rnd(4);
    const pad = " ".repeat(indent);
    const isSeq = rnd(2) === 0;
    for (let i = 0; i < n; i++) {
      const r = rnd(10);
      const head = isSeq ? pad + "-" + (rnd(5) === 0 ? "  " : " ") : pad + keys[rnd(keys.length)] + ":" + (rnd(8) === 0 ? "" : " ");
      if (r < 6 || depth > 3) lines.push(head + atoms[rnd(atoms.length)]);
      else if (r < 8) { lines.push(head.trimEnd()); lines.push(...gen(depth + 1, indent + 2 + (rnd(4) === 0 ? 1 : 0))); }
      else if (r < 9) { lines.push(head + ">" ); lines.push(pad + "  folded " + atoms[rnd(atoms.length)]); if (rnd(2)) lines.push(""); lines.push(pad + "  more"); }
      else { lines.push(pad + "# comment"); lines.push(""); }
    }
    return lines;
  }
  
  it("agrees with the yaml package on 5,000 generated documents (or leaves them to it)", () => {
    let fast = 0;
    for (let t = 0; t < 5000; t++) {
      const text = gen(0, 0).join("\n") + (rnd(3) ? "\n" : "");
      const f = fastYaml(text);
      if (!f) continue;
      fast++;
      let slow: unknown;
      try {
        slow = viaYaml(text);
      } catch {
        throw new Error(`the fast reader accepted what the yaml package refuses: ${JSON.stringify(text)}`);
      }
      expect(f.value, JSON.stringify(text)).toEqual(slow);
    }
    expect(fast).toBeGreaterThan(1500);
  });
});
