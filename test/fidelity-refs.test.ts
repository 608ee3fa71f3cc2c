/**
 * The hand-kept texts behind docs/verified-facts.md cite the model's code as "<file>.ts <name>": a file
 * under src/ (a full path, or a short one resolved by its ending) and a function, const, class, method,
 * field or object key (a switch's sha) declared there (test/model-refs.ts). Line numbers rot in a hand-kept
 * file; names do not — but a rename or a move must still fail here, so every reference is resolved against
 * the TypeScript syntax tree of the file it names. Two texts are checked: tools/fidelity/verdicts.json and
 * docs/verified-facts.md itself (all but the two tables the fidelity tools generate, whose line numbers the
 * tools compute afresh). Kernel references (kernel/dma/direct.c:123 of a named tree) are .c/.h and are not checked.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { lineRefs, modelRefs, resolve } from "./model-refs.js";

const VERDICTS_FILE = "tools/fidelity/verdicts.json";

/** Every string in verdicts.json, keys included. */
function allStrings(v: unknown, out: string[] = []): string[] {
  if (typeof v === "string") out.push(v);
  else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) { out.push(k); allStrings(x, out); }
  return out;
}
const STRINGS = allStrings(JSON.parse(readFileSync(VERDICTS_FILE, "utf8")));

describe("verdicts.json model references", () => {
  it("cite no model line numbers (file.ts:NNN rots; cite file.ts <function>)", () => {
    expect(STRINGS.flatMap(lineRefs)).toEqual([]);
  });

  it("name a file under src/ that declares the cited function, const, class, method or switch", () => {
    const refs = STRINGS.flatMap(modelRefs);
    // the file holds ~120 of them; a regex that matched nothing would make this test empty
    expect(refs.length).toBeGreaterThan(100);
    const bad = refs.map((r) => [`${r.path} ${r.name}`, resolve(r.path, r.name)]).filter(([, why]) => why);
    expect(bad).toEqual([]);
  });

  it("the resolver fails on a renamed function, a moved function, a switch that does not exist and a missing file", () => {
    expect(resolve("mapping.ts", "dma_map_page_attrs")).toBe("");
    expect(resolve("src/switches/dma.ts", "c81be74e7d79")).toBe("");
    expect(resolve("mapping.ts", "dma_map_page_attrs_renamed")).toMatch(/not declared in src\/kernel\/dma\/mapping\.ts \(nor anywhere/);
    // dma_direct_optimal_gfp_mask moved from direct.ts to direct-alloc.ts (stop 20 split)
    expect(resolve("direct.ts", "dma_direct_optimal_gfp_mask")).toMatch(/it is in src\/kernel\/dma\/direct-alloc\.ts/);
    expect(resolve("src/switches/dma.ts", "000000000000")).not.toBe("");
    expect(resolve("no-such-file.ts", "dma_map_page_attrs")).toMatch(/no file under src/);
    // a call site is not a declaration: mapping.ts calls trace_dma_map but does not declare it
    expect(readFileSync("src/kernel/dma/mapping.ts", "utf8")).toContain("trace_dma_map(");
    expect(resolve("src/kernel/dma/mapping.ts", "trace_dma_map")).not.toBe("");
  });

  it("recognise the reference forms the file uses", () => {
    expect(modelRefs("followed by switch x (src/switches/dma.ts c81be74e7d79; mapping.ts dma_map_sg_attrs)")).toEqual([
      { path: "src/switches/dma.ts", name: "c81be74e7d79" },
      { path: "mapping.ts", name: "dma_map_sg_attrs" },
    ]);
    expect(modelRefs("test/divergences-mm.test.ts 'D9: …' and src/init.ts's memblock")).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// docs/verified-facts.md

const DOC_FILE = "docs/verified-facts.md";

/** The headings whose first table a fidelity tool writes (`printOrWriteDoc(OUT, "<heading>")`): model line numbers there are computed, not hand-kept. */
const GENERATED_HEADINGS = ["tools/fidelity/switch-audit.ts", "tools/fidelity/fidelity-6x.ts"].flatMap((f) =>
  [...readFileSync(f, "utf8").matchAll(/printOrWriteDoc\(\w+, "([^"]+)"\)/g)].map((m) => m[1]!),
);

/** English words the doc's prose puts after a file name ("init.ts gives …", "mapping.ts emits …"): not references. */
const PROSE_WORDS = new Set([
  "after", "against", "allocates", "and", "by", "calls", "cleared", "delegates", "drops", "emits", "follows", "for",
  "gives", "had", "keeps", "keys", "names", "no", "now", "panics", "passes", "picks", "reproduces", "reserved",
  "reserves", "returned", "routes", "sizes", "starts", "tested", "unchanged", "uses", "where", "with",
]);

/** The doc's lines with the generated tables blanked (same bounds as tools/fidelity/shared.ts printOrWriteDoc). */
function handKept(doc: readonly string[], headings: readonly string[]): string[] {
  const out = [...doc];
  for (const heading of headings) {
    const h = out.findIndex((l) => l.startsWith(heading));
    if (h < 0) continue;
    let a = out.findIndex((l, i) => i > h && l.startsWith("|"));
    while (a >= 0 && a < out.length && out[a]!.startsWith("|")) out[a++] = "";
  }
  return out;
}

/** Every stale reference of the hand-kept lines, as "line N: why". */
function docProblems(doc: readonly string[], headings: readonly string[]): string[] {
  const out: string[] = [];
  handKept(doc, headings).forEach((l, i) => {
    for (const r of lineRefs(l)) out.push(`line ${i + 1}: ${r} (cite file.ts <function>)`);
    for (const r of modelRefs(l)) {
      if (PROSE_WORDS.has(r.name)) continue;
      const why = resolve(r.path, r.name);
      if (why) out.push(`line ${i + 1}: ${r.path} ${r.name}: ${why}`);
    }
  });
  return out;
}

describe("docs/verified-facts.md model references", () => {
  const DOC = readFileSync(DOC_FILE, "utf8").split("\n");

  it("the generated tables are found (both tools' headings are in the doc)", () => {
    expect(GENERATED_HEADINGS).toHaveLength(2);
    for (const h of GENERATED_HEADINGS) expect(DOC.some((l) => l.startsWith(h)), h).toBe(true);
    // the generated tables carry computed model lines (e.g. "xen/swiotlb-xen.ts:441"); blanking them removes all of those
    expect(DOC.flatMap(lineRefs).length).toBeGreaterThan(100);
  });

  it("cite no model line numbers outside the generated tables", () => {
    expect(docProblems(DOC, GENERATED_HEADINGS).filter((p) => / \(cite file\.ts <function>\)$/.test(p))).toEqual([]);
  });

  it("name a file under src/ that declares the cited function, const, class, method or switch", () => {
    const refs = handKept(DOC, GENERATED_HEADINGS).flatMap(modelRefs).filter((r) => !PROSE_WORDS.has(r.name));
    // the hand-kept lines hold ~100 of them (the generated tables' verdicts come from verdicts.json, checked above);
    // a regex that matched nothing would make this test empty
    expect(refs.length).toBeGreaterThan(80);
    expect(docProblems(DOC, GENERATED_HEADINGS)).toEqual([]);
  });

  it("fail on a renamed function, a moved function, a missing file and a line number — but not inside a generated table", () => {
    const doc = [
      "## Some section",
      "The model (src/kernel/dma/mapping.ts dma_map_page_attrs) and (direct.ts dma_direct_optimal_gfp_mask).",
      "The model (mapping.ts dma_map_page_attrs_renamed) keeps it; (no-such-file.ts dma_map_page_attrs); src/kernel/dma/pool.ts:73.",
      "## Generated",
      "",
      "| model |",
      "| xen/swiotlb-xen.ts:441 (5.10–6.18) |",
      "after the table: init.ts gives it (prose, not a reference)",
    ];
    expect(docProblems(doc, ["## Generated"])).toEqual([
      "line 2: direct.ts dma_direct_optimal_gfp_mask: dma_direct_optimal_gfp_mask is not declared in src/kernel/dma/direct.ts (it is in src/kernel/dma/direct-alloc.ts)",
      "line 3: src/kernel/dma/pool.ts:73 (cite file.ts <function>)",
      "line 3: mapping.ts dma_map_page_attrs_renamed: dma_map_page_attrs_renamed is not declared in src/kernel/dma/mapping.ts (nor anywhere in src/)",
      "line 3: no-such-file.ts dma_map_page_attrs: no file under src/ is no-such-file.ts",
    ]);
    // without the heading the table's line number counts as hand-kept
    expect(docProblems(doc, [])).toContain("line 7: xen/swiotlb-xen.ts:441 (cite file.ts <function>)");
  });
});
