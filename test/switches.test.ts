/**
 * The switch registry: every commit id the modelled code tests (`k.sw["…"]`, `k.sw[CONST]`) is a
 * registered switch with a checked release, and every kernel's `sw` carries every switch as a boolean
 * (so a read never yields undefined, and every kernel shares one hidden class).
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SWITCHES, VERSIONS } from "../src/versions.js";
import { ROOT, bootK } from "./helpers.js";

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith(".ts") ? [p] : [];
  });
}

describe("switch registry", () => {
  const src = sources(join(ROOT, "src")).map((p) => readFileSync(p, "utf8")).join("\n");
  it("every literal commit id read through k.sw or k.has is registered", () => {
    const ids = [...src.matchAll(/\bk\.(?:sw\[|has\()"([0-9a-f]{12})"/g)].map((m) => m[1]!);
    expect(ids.length).toBeGreaterThan(30);
    for (const id of ids) expect(SWITCHES, id).toHaveProperty(id);
  });
  it("every version's switches are registered, with a release no later than the version unless its tree has it as a stable backport", () => {
    const num = (v: string) => v.split(".").map(Number).reduce((a, x) => a * 100 + x, 0);
    for (const v of VERSIONS)
      for (const c of v.switches) {
        expect(SWITCHES, `${v.id}: ${c}`).toHaveProperty(c);
        if (SWITCHES[c]!.stable?.[v.id] === undefined) expect(num(SWITCHES[c]!.release), `${v.id} carries ${c} from ${SWITCHES[c]!.release}`).toBeLessThanOrEqual(num(v.id));
      }
  });
  it("a booted kernel's sw has every switch as a boolean, true exactly for its version's set", () => {
    for (const v of VERSIONS) {
      const k = bootK("rpi4", v.id);
      for (const c of Object.keys(SWITCHES)) expect(k.sw[c], `${v.id} ${c}`).toBe(v.switches.has(c));
    }
  });
});
