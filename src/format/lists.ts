/**
 * `dmasim platforms` and `dmasim kernels`: what is modelled.
 */
import type { Platform } from "../platforms/platform.js";
import { versionNumber, type KernelVersion, type Switch } from "../versions.js";
import { ARCH_SWITCHES } from "../switches/arch.js";
import { MM_SWITCHES } from "../switches/mm.js";
import { DMA_SWITCHES } from "../switches/dma.js";
import { SWIOTLB_SWITCHES } from "../switches/swiotlb.js";
import { XEN_SWITCHES } from "../switches/xen.js";
import { IOMMU_SWITCHES } from "../switches/iommu.js";
import { makeColors, wrap, type Colors } from "./style.js";

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
      // roles: what `device: <role>` in a scenario resolves to on this platform (the text view's [role])
      devices: p.devices.map((d) => ({ name: d.name, driver: d.driver, description: d.description, coherent: d.coherent, mask_bits: d.mask_bits ?? 32, default: d.name === p.defaultDevice, roles: Object.entries(p.roles).filter(([, n]) => n === d.name).map(([r]) => r) })),
    })),
  };
}

/** The subsystems of src/switches/ (one file each), in the kernel's layering order. */
export const SUBSYSTEMS: readonly { id: string; title: string; table: Readonly<Record<string, Switch>> }[] = [
  { id: "arch", title: "arch/: memory layout and cache maintenance (arm64, arm, x86)", table: ARCH_SWITCHES },
  { id: "mm", title: "mm/: page allocator, kvmalloc, vmalloc", table: MM_SWITCHES },
  { id: "dma", title: "kernel/dma/: mapping.c, dma-direct, pools, remap, dma-debug", table: DMA_SWITCHES },
  { id: "swiotlb", title: "kernel/dma/swiotlb.c (inside an era)", table: SWIOTLB_SWITCHES },
  { id: "xen", title: "drivers/xen/: swiotlb-xen, grant tables, P2M", table: XEN_SWITCHES },
  { id: "iommu", title: "drivers/iommu/: dma-iommu, IOVA, io-pgtable, VT-d, SMMU", table: IOMMU_SWITCHES },
];

/** Each switch's subsystem id ("other" for one that no src/switches/ table lists). */
function subsystemOf(commit: string): string {
  return SUBSYSTEMS.find((g) => commit in g.table)?.id ?? "other";
}

/** Switches in release order (then commit id, so the order is stable). */
function byRelease(list: readonly Switch[]): Switch[] {
  return [...list].sort((a, b) => versionNumber(a.release) - versionNumber(b.release) || a.commit.localeCompare(b.commit));
}

/** Switches grouped by subsystem, in SUBSYSTEMS order (empty groups left out). */
function groups(list: readonly Switch[]): { id: string; title: string; switches: Switch[] }[] {
  const out = SUBSYSTEMS.map((g) => ({ id: g.id, title: g.title, switches: byRelease(list.filter((s) => subsystemOf(s.commit) === g.id)) }));
  const other = byRelease(list.filter((s) => subsystemOf(s.commit) === "other"));
  if (other.length) out.push({ id: "other", title: "other", switches: other });
  return out.filter((g) => g.switches.length > 0);
}

/** The modelled versions that carry a switch although their mainline release is older (its stable backports), and those that lack it. */
function stableText(s: Switch): string[] {
  return [
    ...Object.entries(s.stable ?? {}).map(([v, how]) => `stable: ${v} carries it (${how})`),
    ...Object.entries(s.absent ?? {}).map(([v, why]) => `absent in ${v}: ${why}`),
  ];
}

const WIDTH = 100;

/** The commit id column: "(id unknown)" (12 columns, like an id) for a switch keyed by its patch title. */
export function shownCommit(s: Switch): string {
  return /^[0-9a-f]{12}$/.test(s.commit) ? s.commit : "(id unknown)";
}

function switchLines(s: Switch, c: Colors, indent: string): string[] {
  const more = " ".repeat(indent.length + 6);
  // a commit subject too long for the line goes on under the commit id
  const [t0, ...tRest] = wrap(s.title, WIDTH, " ".repeat(indent.length + 6 + shownCommit(s).length + 1), more + "  ");
  const head = `${indent}${c.dim(s.release.padEnd(5))} ${c.yellow(shownCommit(s))} ${t0!.trimStart()}`;
  return [head, ...tRest, ...wrap(s.effect, WIDTH, more).map((l) => c.dim(l)), ...stableText(s).flatMap((t) => wrap(t, WIDTH, more + "  ").map((l) => c.cyan(l)))];
}

/** The version before `v` in modelled order, if any. */
function previous(versions: readonly KernelVersion[], v: KernelVersion): KernelVersion | undefined {
  const i = versions.indexOf(v);
  return i > 0 ? versions[i - 1] : undefined;
}

/** What changed from the previous modelled version to `v`: switches gained and lost. */
export function versionDelta(versions: readonly KernelVersion[], switches: Readonly<Record<string, Switch>>, v: KernelVersion) {
  const prev = previous(versions, v);
  const all = Object.values(switches);
  const gained = all.filter((s) => v.switches.has(s.commit) && !prev?.switches.has(s.commit));
  const lost = prev ? all.filter((s) => prev.switches.has(s.commit) && !v.switches.has(s.commit)) : [];
  return { previous: prev?.id ?? null, gained: byRelease(gained), lost: byRelease(lost) };
}

/**
 * `dmasim kernels`: every modelled version (its tree and notes), then every modelled change
 * grouped by subsystem, with its commit, first mainline release, effect and stable backports.
 */
export function renderKernels(versions: readonly KernelVersion[], switches: Readonly<Record<string, Switch>>, defaultKernel: string, c: Colors = makeColors(false)): string {
  const out: string[] = [];
  const ids = versions.map((v) => v.id);
  out.push(c.bold(`${versions.length} kernel versions, ${ids[0]} → ${ids[ids.length - 1]}`) + c.dim(` (default ${defaultKernel})`));
  out.push(...wrap("Each version carries every change below whose mainline release is not newer, plus the stable backports in the tree it follows; `dmasim kernels <version>` shows what changed since the previous one.", WIDTH, "").map((l) => c.dim(l)));
  out.push("");
  const w = Math.max(...ids.map((x) => x.length));
  for (const v of versions) {
    const d = versionDelta(versions, switches, v);
    const count = d.previous === null ? `${v.switches.size} change${v.switches.size === 1 ? "" : "s"}` : `+${d.gained.length}${d.lost.length ? ` −${d.lost.length}` : ""} since ${d.previous}`;
    out.push(`${c.bold(v.id.padEnd(w))}${v.id === defaultKernel ? c.green(" (default)") : ""}  ${v.tree}`);
    const notes = wrap(`[${count}] ${v.notes}`, WIDTH, " ".repeat(w + 2));
    notes[0] = notes[0]!.replace(`[${count}]`, c.dim(`[${count}]`));
    out.push(...notes);
  }
  out.push("");
  out.push(c.bold("modelled changes, by subsystem (src/switches/)"));
  for (const g of groups(Object.values(switches))) {
    out.push("", `${c.bold(c.cyan(g.id))}  ${c.dim(g.title)}`);
    for (const s of g.switches) out.push(...switchLines(s, c, "  "));
  }
  return out.join("\n");
}

/** `dmasim kernels <version>`: one version, its tree and notes, and what changed since the previous modelled version. */
export function renderKernel(versions: readonly KernelVersion[], switches: Readonly<Record<string, Switch>>, defaultKernel: string, v: KernelVersion, c: Colors = makeColors(false)): string {
  const out: string[] = [];
  const d = versionDelta(versions, switches, v);
  out.push(`${c.bold(v.id)}${v.id === defaultKernel ? c.green(" (default)") : ""}  ${v.tree}`);
  out.push(...wrap(v.notes, WIDTH, "  "));
  out.push("");
  if (d.previous === null) out.push(c.bold(`the oldest modelled version: the ${v.switches.size} modelled changes it carries`));
  else out.push(c.bold(`since ${d.previous}: ${d.gained.length} change${d.gained.length === 1 ? "" : "s"} in${d.lost.length ? `, ${d.lost.length} out` : ""}`));
  if (d.previous !== null && d.gained.length === 0 && d.lost.length === 0) out.push(c.dim(`  none of the modelled changes: ${v.id} runs ${d.previous}'s switches (its era modules may differ)`));
  for (const g of groups(d.gained)) {
    out.push(`  ${c.bold(c.cyan(g.id))}  ${c.dim(g.title)}`);
    for (const s of g.switches) out.push(...switchLines(s, c, "  + "));
  }
  if (d.lost.length) {
    out.push(c.bold(`in ${d.previous} but not in ${v.id} (a stable backport there, or absent here)`));
    for (const g of groups(d.lost)) {
      out.push(`  ${c.bold(c.cyan(g.id))}  ${c.dim(g.title)}`);
      for (const s of g.switches) out.push(...switchLines(s, c, "  − "));
    }
  }
  out.push("", c.dim(`${v.switches.size} modelled changes in all; \`dmasim kernels\` lists every version and change`));
  return out.join("\n");
}

function switchJson(s: Switch) {
  return { commit: s.commit, title: s.title, release: s.release, subsystem: subsystemOf(s.commit), effect: s.effect, stable: s.stable ?? {}, absent: s.absent ?? {} };
}

/** `kernels --json`: the versions (tree, notes, the switches each carries, the change from the previous one), every switch, and the subsystems. */
export function kernelsJson(versions: readonly KernelVersion[], switches: Readonly<Record<string, Switch>>, defaultKernel: string) {
  const all = byRelease(Object.values(switches));
  return {
    default: defaultKernel,
    versions: versions.map((v) => {
      const d = versionDelta(versions, switches, v);
      return { id: v.id, default: v.id === defaultKernel, tree: v.tree, notes: v.notes, switches: all.filter((s) => v.switches.has(s.commit)).map((s) => s.commit), previous: d.previous, gained: d.gained.map((s) => s.commit), lost: d.lost.map((s) => s.commit) };
    }),
    subsystems: groups(all).map((g) => ({ id: g.id, title: g.title, switches: g.switches.map((s) => s.commit) })),
    switches: all.map(switchJson),
  };
}

/** `kernels <version> --json`: one version and what changed since the previous modelled one, with the switches in full. */
export function kernelJson(versions: readonly KernelVersion[], switches: Readonly<Record<string, Switch>>, defaultKernel: string, v: KernelVersion) {
  const d = versionDelta(versions, switches, v);
  return {
    id: v.id,
    default: v.id === defaultKernel,
    tree: v.tree,
    notes: v.notes,
    previous: d.previous,
    gained: d.gained.map(switchJson),
    lost: d.lost.map(switchJson),
    switches: byRelease(Object.values(switches).filter((s) => v.switches.has(s.commit))).map((s) => s.commit),
  };
}
