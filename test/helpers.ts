import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseScenarioText } from "../src/scenario/parse.js";
import { runScenario } from "../src/scenario/runner.js";
import type { RunOptions, RunResult, Scenario } from "../src/scenario/types.js";
import { boot } from "../src/init.js";
import { buildConfig, resolveKernel, resolvePlatform } from "../src/scenario/config.js";
import type { Kernel } from "../src/kernel.js";

export const ROOT = fileURLToPath(new URL("..", import.meta.url));

export function loadScenario(rel: string): Scenario {
  const path = ROOT + rel;
  return parseScenarioText(readFileSync(path, "utf8"), rel);
}

export function run(rel: string, o: RunOptions): RunResult {
  return runScenario(loadScenario(rel), o);
}

/** Parse an inline YAML scenario and run it. */
export function runYaml(yaml: string, o: RunOptions = {}): RunResult {
  return runScenario(parseScenarioText(yaml, "<inline>"), o);
}

export function bootK(platform: string, kernel: string, set: Record<string, string> = {}): Kernel {
  const p = resolvePlatform(platform);
  const { cfg } = buildConfig(p, set);
  return boot(p, resolveKernel(kernel), cfg);
}

/** Parse a kernel-style hex string back to a number in dmasim's signed form. */
export function h(s: string | number | boolean | null | undefined): number {
  const b = BigInt(String(s));
  return Number(BigInt.asIntN(64, b));
}
