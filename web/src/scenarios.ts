/**
 * The bundled scenarios (scenarios/**\/*.yaml), as texts baked into the build. Keys are paths
 * under scenarios/ without the extension: "seed-mmap", "drivers/missing-sync".
 */
const files = import.meta.glob("../../scenarios/**/*.yaml", { query: "?raw", import: "default", eager: true }) as Record<string, string>;

export interface Bundled {
  key: string;
  file: string;
  text: string;
  /** the scenario's `name:` line, for the picker (the worker parses the full text) */
  title: string;
  group: string;
}

/** The seed thread's cases first, then other top-level scenarios, then folders. */
function groupRank(g: string): number {
  return g === "seed thread" ? 0 : g === "scenarios" ? 1 : 2;
}

function titleOf(text: string, fallback: string): string {
  const m = /^name:\s*(.+)$/m.exec(text);
  return m ? m[1]!.replace(/^["']|["']$/g, "").trim() : fallback;
}

export const BUNDLED: Bundled[] = Object.entries(files)
  .map(([path, text]) => {
    const rel = path.replace(/^.*?\/scenarios\//, "");
    const key = rel.replace(/\.ya?ml$/, "");
    const group = key.includes("/") ? key.slice(0, key.indexOf("/")) : key.startsWith("seed-") ? "seed thread" : "scenarios";
    return { key, file: `scenarios/${rel}`, text, title: titleOf(text, key), group };
  })
  .sort((a, b) => (a.group === b.group ? a.key.localeCompare(b.key) : groupRank(a.group) - groupRank(b.group) || a.group.localeCompare(b.group)));

export function findBundled(key: string): Bundled | undefined {
  return BUNDLED.find((b) => b.key === key);
}
