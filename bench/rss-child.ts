/**
 * rss_8g_mb's child process: boot an 8 GiB Raspberry Pi 4 model (--set mem=8G), run a scenario
 * that touches 16 MiB (the CPU fills four 4 MiB buffers, a slice of each is mapped, read by the
 * device and unmapped), and print the process's resident memory as JSON on stdout.
 */
import { parseScenarioText } from "../src/scenario/parse.js";
import { runScenario } from "../src/scenario/runner.js";

const MiB = 1 << 20;
const steps: string[] = [];
for (let i = 0; i < 4; i++) {
  steps.push(
    `  - { op: alloc_pages, order: 10, gfp: GFP_KERNEL, as: b${i} }`,
    `  - { op: cpu_write, buf: b${i}, offset: 0, data: { fill: ${0x50 + i}, length: ${4 * MiB} } }`,
    `  - { op: dma_map_single, buf: b${i}, offset: 0, size: 256K, dir: DMA_TO_DEVICE, as: m${i} }`,
    `  - { op: dma_mapping_error, map: m${i}, expect: { returns: "0" } }`,
    `  - { op: device_read, map: m${i}, offset: 0, length: 16, expect: { data: { fill: ${0x50 + i}, length: 16 } } }`,
    `  - { op: dma_unmap_single, map: m${i} }`,
    `  - { op: cpu_read, buf: b${i}, offset: ${4 * MiB - 16}, length: 16, expect: { data: { fill: ${0x50 + i}, length: 16 } } }`,
  );
}
const yaml = ["name: touch 16 MiB on an 8 GiB Raspberry Pi 4", "platform: rpi4", "config: { mem: 8G }", "expect: { faults: none }", "steps:", ...steps].join("\n");

const r = runScenario(parseScenarioText(yaml, "<rss_8g_mb>"));
const rss = process.memoryUsage().rss;
process.stdout.write(JSON.stringify({ ok: r.ok, rss_mb: rss / MiB, first_failure: r.first_failure }) + "\n");
