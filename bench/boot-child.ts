/**
 * boot_1t_ms / boot_1t_rss_mb's child process: boot one platform with `mem` (default 1 TiB),
 * run one 4 KiB map/unmap pair through the booted model (so the boot is used, not just built),
 * and print the boot time and the process's peak resident memory as JSON on stdout.
 *   node bench/.build/boot-child.mjs <platform> [mem]
 */
import { boot } from "../src/init.js";
import { buildConfig, resolveKernel, resolvePlatform } from "../src/scenario/config.js";
import * as api from "../src/kernel/dma/mapping.js";
import { DMA_BIDIRECTIONAL, GFP_KERNEL } from "../src/include/gfp.js";

const id = process.argv[2] ?? "x86_64";
const mem = process.argv[3] ?? "1T";
const p = resolvePlatform(id);
const cfg = buildConfig(p, { mem }).cfg;
const v = resolveKernel(undefined);
const t0 = performance.now();
const k = boot(p, v, cfg);
const ms = performance.now() - t0;
const dev = k.devices.get(p.defaultDevice)!;
const buf = k.slab.kmalloc(k, 4096, GFP_KERNEL);
k.kwrite(buf, new Uint8Array(4096).fill(0x5a));
const a = api.dma_map_single_attrs(k, dev, buf, 4096, DMA_BIDIRECTIONAL, 0);
const ok = !api.dma_mapping_error(k, dev, a);
api.dma_unmap_page_attrs(k, dev, a, 4096, DMA_BIDIRECTIONAL, 0, true);
process.stdout.write(JSON.stringify({ platform: id, mem, ok: ok && k.faults.length === 0, boot_ms: ms, rss_mb: process.resourceUsage().maxRSS / 1024, free_pages: k.buddy.totalFree() }) + "\n");
