/**
 * `dmasim platforms` and `dmasim kernels`: what is modelled.
 */
import type { Platform } from "../platforms/platform.js";
import type { KernelVersion, Switch } from "../versions.js";
import { makeColors, type Colors } from "./style.js";

export function renderPlatforms(platforms: readonly Platform[], c: Colors = makeColors(false)): string {
  const out: string[] = [];
  const w = Math.max(...platforms.map((p) => p.id.length));
  for (const p of platforms) {
    out.push(`${c.bold(p.id.padEnd(w))}  ${c.cyan(p.arch.padEnd(7))} ${p.description}`);
    for (const d of p.devices) {
      const def = d.name === p.defaultDevice;
      const roles = Object.entries(p.roles).filter(([, n]) => n === d.name).map(([r]) => r);
      const name = (def ? `${d.name} ${c.green("(default)")}` : d.name) + (roles.length ? ` ${c.cyan(`[${roles.join(", ")}]`)}` : "");
      out.push(`${" ".repeat(w + 2)}  ${def ? "*" : "-"} ${name}: ${d.description}`);
    }
  }
  out.push(c.dim("* marks the default device (the scenario's `device: default`); [role] the device a scenario's `device: role` runs on"));
  return out.join("\n");
}

export function renderKernels(versions: readonly KernelVersion[], switches: Readonly<Record<string, Switch>>, defaultKernel: string, c: Colors = makeColors(false)): string {
  const out: string[] = [];
  const all = Object.values(switches).sort((a, b) => a.release.localeCompare(b.release, undefined, { numeric: true }));
  for (const v of versions) {
    out.push(`${c.bold(v.id)}${v.id === defaultKernel ? c.green(" (default)") : ""}  ${v.notes}`);
    const has = all.filter((s) => v.switches.has(s.commit));
    if (has.length === 0) out.push(`    ${c.dim("(none of the modelled switches)")}`);
    for (const s of has) out.push(`    ${c.yellow(s.commit)} ${s.title} ${c.dim(`[${s.release}]`)}`);
  }
  out.push("");
  out.push(c.bold("switches"));
  for (const s of all) out.push(`  ${c.yellow(s.commit)} ${c.dim(`[${s.release}]`)} ${s.effect}`);
  return out.join("\n");
}

/** `platforms --json`: the platforms as data (ids, devices, defaults; no functions). */
export function platformsJson(platforms: readonly Platform[]) {
  return {
    platforms: platforms.map((p) => ({
      id: p.id,
      arch: p.arch,
      description: p.description,
      xen: p.xen,
      default_device: p.defaultDevice,
      defaults: p.defaults,
      mem_sizes: p.memSizes,
      devices: p.devices.map((d) => ({ name: d.name, driver: d.driver, description: d.description, coherent: d.coherent, mask_bits: d.mask_bits ?? 32, default: d.name === p.defaultDevice })),
    })),
  };
}

/** `kernels --json`: the versions, the switches each carries, and every switch. */
export function kernelsJson(versions: readonly KernelVersion[], switches: Readonly<Record<string, Switch>>, defaultKernel: string) {
  const all = Object.values(switches).sort((a, b) => a.release.localeCompare(b.release, undefined, { numeric: true }));
  return {
    default: defaultKernel,
    versions: versions.map((v) => ({ id: v.id, default: v.id === defaultKernel, notes: v.notes, switches: all.filter((s) => v.switches.has(s.commit)).map((s) => s.commit) })),
    switches: all.map((s) => ({ commit: s.commit, title: s.title, release: s.release, effect: s.effect })),
  };
}
