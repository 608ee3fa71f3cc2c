/**
 * `dmasim run --json` writes its result in pieces (toJsonChunks): the pieces must make exactly the
 * text toJson gives for the whole object.
 */
import { describe, expect, it } from "vitest";
import { toJson, toJsonChunks } from "../src/format/json.js";
import { parseScenarioText } from "../src/scenario/parse.js";
import { runScenario } from "../src/scenario/runner.js";

const joined = (v: unknown) => [...toJsonChunks(v)].join("");

describe("toJsonChunks", () => {
  it("gives toJson's text for objects of every shape", () => {
    const big = Array.from({ length: 2500 }, (_, i) => (i % 7 === 0 ? undefined : i % 5 === 0 ? { a: [i, { b: `x\n${i}` }], m: BigInt(i) } : i % 3 === 0 ? [] : `s${i}`));
    const cases: unknown[] = [
      {},
      { a: 1 },
      { a: undefined, b: () => 1, c: null },
      { steps: big },
      { x: "y", steps: big, z: { q: [1, 2, { r: 3n }] }, e: [], w: [1] },
      { first: undefined, steps: big.slice(0, 1025) },
      { steps: big.slice(0, 1024), n: -1n },
      [1, 2, 3],
      "text",
      42,
    ];
    for (const c of cases) expect(joined(c)).toBe(toJson(c));
  });

  it("a run of 3,000 steps: the same JSON in pieces as in one string", () => {
    const lines = ["name: chunks", "platform: rpi4", "steps:"];
    for (let i = 0; i < 500; i++)
      lines.push(
        `  - { op: kmalloc, size: 2K, as: b${i} }`,
        `  - { op: dma_map_single, buf: b${i}, size: 2K, dir: DMA_FROM_DEVICE, as: m${i} }`,
        `  - { op: device_write, map: m${i}, data: "pkt-${i}" }`,
        `  - { op: dma_unmap_single, map: m${i} }`,
        `  - { op: cpu_read, buf: b${i}, length: ${`pkt-${i}`.length}, expect: { data: "pkt-${i}" } }`,
        `  - { op: kfree, buf: b${i} }`,
      );
    const r = runScenario(parseScenarioText(lines.join("\n") + "\n", "chunks.yaml"), {});
    expect(r.steps.length).toBe(3000);
    expect(r.ok).toBe(true);
    const pieces = [...toJsonChunks(r)];
    expect(pieces.length).toBeGreaterThan(3);
    expect(pieces.join("")).toBe(toJson(r));
  });
});
