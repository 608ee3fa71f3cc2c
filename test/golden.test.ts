/**
 * Golden traces of the seed thread's cases: the full event stream of each run, rendered as the CLI's
 * `--trace` does. A change to a modelled path shows up here as a diff to review like code; accept it
 * with `npx vitest run test/golden.test.ts -u` (CI never writes them).
 */
import { describe, expect, it } from "vitest";
import { renderTrace } from "../src/core/trace.js";
import { run } from "./helpers.js";

const CASES: [string, string, string][] = [
  ["scenarios/seed-mmap.yaml", "rpi4-xen", "5.13"],
  ["scenarios/seed-mmap.yaml", "rpi4-xen", "5.14"],
  ["scenarios/seed-mmap.yaml", "rpi4", "5.13"],
  ["scenarios/seed-sgtable.yaml", "rpi4-xen", "5.13"],
  ["scenarios/seed-sgtable.yaml", "rpi4-xen", "5.14"],
  ["scenarios/seed-atomic-free.yaml", "rpi4-xen", "5.6"],
  ["scenarios/seed-atomic-free.yaml", "rpi4-xen", "5.10"],
  ["scenarios/seed-mmap.yaml", "arm32", "5.13"],
  ["scenarios/seed-mmap.yaml", "x86_64-xen-pv", "5.13"],
];

describe("golden traces of the seed cases", () => {
  it.each(CASES)("%s on %s %s", async (file, platform, kernel) => {
    const r = run(file, { platform, kernel, trace: true });
    const lines: string[] = [`# ${r.scenario} — ${platform} ${kernel} — ${r.ok ? "PASS" : "FAIL"}`];
    for (const s of r.steps) {
      lines.push(`## step ${s.index} ${s.op} [${s.status}${s.ok ? "" : ", failed"}] ${JSON.stringify(s.result)}`);
      if (s.summary) lines.push(`   ${s.summary}`);
      lines.push(...renderTrace(s.trace));
    }
    for (const f of r.faults) lines.push(`# fault at step ${f.step}: ${f.kind}: ${[f.message, ...(f.lines ?? [])].join(" / ")}${f.pc ? ` (pc: ${f.pc})` : ""}`);
    const name = `${file.split("/").pop()!.replace(".yaml", "")}.${platform}.${kernel}.trace`;
    await expect(lines.join("\n") + "\n").toMatchFileSnapshot(`golden/${name}`);
  });
});
