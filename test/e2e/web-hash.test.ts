/**
 * The web page's share links (web/src/hash.ts), in Node: format 2 compresses the scenario text
 * (deflate-raw + base64url, the bundled text as dictionary for an edited bundled scenario), carries
 * the compare run's options, and format-1 links (plain base64url YAML) still open.
 */
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { decodeHash, decodeSet, encodeHash, encodeSet, fnv1a, toBase64Url } from "../../web/src/hash.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const MMAP = readFileSync(`${ROOT}scenarios/seed-mmap.yaml`, "utf8");
const dict = (key: string) => (key === "seed-mmap" ? MMAP : undefined);

/** An RX loop of n iterations (5n + 1 steps), as the e2e test generates it. */
function rxLoop(n: number): string {
  const L = ["name: RX loop", "platform: rpi4", 'kernel: "5.13"', "steps:", "  - op: kmalloc", "    size: 2K", "    gfp: GFP_KERNEL", "    as: rxbuf"];
  for (let i = 0; i < n; i++) L.push("  - op: dma_map_single", "    buf: rxbuf", "    size: 2K", "    dir: DMA_FROM_DEVICE", `    as: rx${i}`, "  - op: device_write", `    map: rx${i}`, `    data: "packet-${i}"`, "  - op: dma_sync_single_for_cpu", `    map: rx${i}`, "  - op: cpu_read", "    buf: rxbuf", `    length: ${`packet-${i}`.length}`, "  - op: dma_unmap_single", `    map: rx${i}`);
  return L.join("\n") + "\n";
}

describe("share links (format 2)", () => {
  it("round-trips a whole view: uploaded YAML, platform, kernel, options, compare target with its options, step", () => {
    const yaml = rxLoop(3) + "# ünïcode ✓\n";
    const v = { yaml, file: "mine.yaml", platform: "rpi4", kernel: "5.13", set: { swiotlb: "force", CONFIG_DMA_API_DEBUG: "y" }, compare: { platform: "rpi4", kernel: "5.13", set: { swiotlb: "noforce" } }, step: 7 };
    const h = encodeHash(v, dict);
    expect(h).toMatch(/^#v=2&/);
    expect(h).toContain("co=swiotlb%3Dnoforce");
    expect(h).not.toMatch(/[#&]y=/);
    expect(decodeHash(h, dict)).toEqual(v);
  });

  it("a 5,001-step scenario's link is compressed: under a tenth of the old base64 form", () => {
    const yaml = rxLoop(1000);
    const h = encodeHash({ yaml, file: "big.yaml", step: 39 });
    const old = "#" + new URLSearchParams({ y: toBase64Url(yaml), f: "big.yaml", step: "39" }).toString();
    console.log(`share link for ${yaml.length} chars of YAML (5,001 steps): ${h.length} chars (format 1: ${old.length})`);
    expect(h.length).toBeLessThan(old.length / 10);
    expect(decodeHash(h).yaml).toBe(yaml);
  });

  it("an unedited bundled scenario is carried by name; an edit of one is compressed against its text", () => {
    expect(encodeHash({ scenario: "seed-mmap", kernel: "5.14", step: 3 }, dict)).toBe("#v=2&s=seed-mmap&k=5.14&step=3");
    const edited = MMAP.replace('"hello from the device"', '"hi"');
    const h = encodeHash({ scenario: "seed-mmap", yaml: edited, file: "scenarios/seed-mmap.yaml", step: 3 }, dict);
    expect(h).toContain(`zd=${fnv1a(MMAP)}`);
    const plain = encodeHash({ yaml: edited, file: "scenarios/seed-mmap.yaml", step: 3 });
    expect(h.length).toBeLessThan(plain.length / 3);
    expect(h.length).toBeLessThan(200);
    expect(decodeHash(h, dict)).toEqual({ scenario: "seed-mmap", yaml: edited, file: "scenarios/seed-mmap.yaml", step: 3 });
  });

  it("an edit made against another version of the bundled scenario is refused with a warning, not garbage", () => {
    const h = encodeHash({ scenario: "seed-mmap", yaml: MMAP + "# x\n", file: "f.yaml" }, dict);
    const v = decodeHash(h, () => MMAP.replace("64K", "32K"));
    expect(v.yaml).toBeUndefined();
    expect(v.scenario).toBe("seed-mmap");
    expect(v.warning).toMatch(/seed-mmap.*changed since/);
  });

  it("a damaged text and an unknown format version give warnings", () => {
    expect(decodeHash("#v=2&z=%%%&step=1").warning).toMatch(/damaged/);
    expect(decodeHash("#v=2&z=AAAA&step=1").yaml).toBeUndefined();
    expect(decodeHash("#v=9&s=seed-mmap").warning).toMatch(/format 9/);
  });
});

describe("share links (format 1, before compression)", () => {
  it("still open: y = plain base64url YAML", () => {
    const edited = MMAP.replace('"hello from the device"', '"hi"');
    const old = `#s=seed-mmap&y=${toBase64Url(edited)}&f=scenarios%2Fseed-mmap.yaml&p=rpi4-xen&k=5.13&o=CONFIG_DEBUG_VIRTUAL%3Dy&c=rpi4-xen%405.14&step=2`;
    expect(decodeHash(old, dict)).toEqual({ scenario: "seed-mmap", yaml: edited, file: "scenarios/seed-mmap.yaml", platform: "rpi4-xen", kernel: "5.13", set: { CONFIG_DEBUG_VIRTUAL: "y" }, compare: { platform: "rpi4-xen", kernel: "5.14" }, step: 2 });
  });
});

describe("options in a link", () => {
  it("keep a comma inside a value (swiotlb=2048,force)", () => {
    const set = { swiotlb: "2048,force", cma: "64M" };
    expect(decodeSet(encodeSet(set))).toEqual(set);
  });
});
