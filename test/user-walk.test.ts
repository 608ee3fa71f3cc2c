/**
 * A new user's walk (stop 19): what someone who installed dmasim from npm and followed the README
 * hit, on the built CLI (`node bin/dmasim.mjs`): the JSON of one command agreeing with another's,
 * the platforms' device roles in `platforms --json`, explain's header for a version without a
 * stored tree, and the one-line errors a newcomer's scenario mistakes get.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { dmasim, ensureBuilt, lines, type Out } from "./cli-spawn.js";

beforeAll(() => ensureBuilt(), 120_000);

const tmp = mkdtempSync(join(tmpdir(), "dmasim-user-walk-"));
function file(name: string, text: string): string {
  const p = join(tmp, name);
  writeFileSync(p, text);
  return p;
}

/** Exit 2, nothing on stdout, one line on stderr, no stack trace: that line. */
function usageError(o: Out): string {
  expect(o.code, o.stderr).toBe(2);
  expect(o.stdout).toBe("");
  expect(lines(o.stderr), o.stderr).toHaveLength(1);
  expect(o.stderr).not.toMatch(/\n\s+at /);
  return lines(o.stderr)[0]!;
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
