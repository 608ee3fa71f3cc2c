/**
 * The fuzzer with CONFIG_DMA_API_DEBUG=y and CONFIG_DMA_API_DEBUG_SG=y: its sequences obey the rules
 * dma-debug checks (no two device-writable mappings starting in one cacheline: D19; no sg
 * segment longer than dma_get_max_seg_size: D23), so fixed-seed runs find nothing; a planted rule
 * break (a driver that never calls dma_mapping_error: D08) is found, shrunk, and the printed
 * scenario fails when `dmasim run` replays it, because it expects no diagnostics.
 */
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runFuzz, scenarioToYaml, type FuzzStep } from "../src/fuzz.js";
import { parseScenarioText } from "../src/scenario/parse.js";
import { runScenario } from "../src/scenario/runner.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const DEBUG = { CONFIG_DMA_API_DEBUG: "y", CONFIG_DMA_API_DEBUG_SG: "y" };

describe("fuzz with dma-debug: rule-abiding sequences", () => {
  for (const platform of ["x86_64", "rpi4", "arm32", "rpi4-xen", "x86_64-xen-pv", "arm64-coherent"])
    it(`${platform}: 20000 operations, no finding`, { timeout: 120_000 }, () => {
      const r = runFuzz({ seed: 20261130, steps: 20000, platform, set: DEBUG });
      expect(r.failures.map((f) => `${f.kind}: ${f.message}`)).toEqual([]);
      expect(r.ops).toBeGreaterThanOrEqual(20000);
    });

  it("x86_64: small FROM_DEVICE kmalloc objects share cachelines, yet no D19 (such maps are made DMA_TO_DEVICE)", { timeout: 120_000 }, () => {
    const r = runFuzz({ seed: 1, steps: 5000, platform: "x86_64", set: DEBUG, maxSize: 64, keepScenario: true });
    expect(r.failures).toEqual([]);
  });

  it("a planted rule break (dma_mapping_error never called) is found, shrunk, and replays as a failure with dmasim run", { timeout: 180_000 }, () => {
    const noCheck = (s: FuzzStep) => (s.op === "dma_mapping_error" ? null : s);
    const r = runFuzz({ seed: 5, steps: 4000, platform: "x86_64", set: DEBUG, mutate: noCheck, shrinkBudget: 600 });
    expect(r.ok).toBe(false);
    const f = r.failures[0]!;
    expect(f.kind).toBe("fault");
    expect(f.message).toMatch(/D08|failed to check map error/);
    expect(f.scenario.steps.length).toBeLessThan(f.shrunkFrom);
    expect(f.scenario.expect).toEqual({ faults: "none", diagnostics: "none" });
    const yaml = scenarioToYaml(f.scenario);
    // in process
    const rr = runScenario(parseScenarioText(yaml, "<minimal>"));
    expect(rr.ok).toBe(false);
    expect(rr.expectations.filter((e) => !e.ok).map((e) => e.what)).toContain("diagnostics");
    // and through the built CLI
    const dir = mkdtempSync(join(tmpdir(), "dmasim-fuzz-"));
    try {
      const file = join(dir, "minimal.yaml");
      writeFileSync(file, yaml);
      const p = spawnSync(process.execPath, [join(ROOT, "bin", "dmasim.mjs"), "run", file], { cwd: ROOT, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" }, timeout: 60_000 });
      expect(p.status).toBe(1);
      expect(p.stdout).toMatch(/FAIL/);
      expect(p.stdout).toMatch(/D08/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
