import { describe, expect, it } from "vitest";
import { START_KERNEL_map, X86_64, X86_PAGE_OFFSET, X86_PHYS_BITS, X86_VMEMMAP_START, X86Base, x86Layout } from "../src/arch/x86/memory.js";
import { parseU64 } from "../src/core/u64.js";

// src/arch/x86/memory.ts keeps the bases its per-pair paths use as const-enum literals (X86Base); they must be the
// page_64_types.h / pgtable_64_types.h values the layout exports parse.
describe("x86_64 base literals", () => {
  it("equal the parsed layout bases", () => {
    expect(X86Base.PAGE_OFFSET).toBe(X86_PAGE_OFFSET);
    expect(X86Base.PAGE_OFFSET).toBe(parseU64("0xffff888000000000"));
    expect(X86Base.VMEMMAP_START).toBe(X86_VMEMMAP_START);
    expect(X86Base.VMEMMAP_START).toBe(parseU64("0xffffea0000000000"));
    expect(X86Base.START_KERNEL_map).toBe(START_KERNEL_map);
    expect(X86Base.START_KERNEL_map).toBe(parseU64("0xffffffff80000000"));
    expect(X86Base.PHYS_LIMIT).toBe(2 ** X86_PHYS_BITS);
  });
  it("__va, pfn_to_page and page_to_pfn use them", () => {
    const a = new X86_64(x86Layout(0x1000000, 0x2000000));
    expect(a.__va(0x12345000)).toBe(X86_PAGE_OFFSET + 0x12345000);
    expect(a.pfn_to_page(0x12345)).toBe(X86_VMEMMAP_START + 0x12345 * 64);
    expect(a.page_to_pfn(X86_VMEMMAP_START + 0x12345 * 64)).toBe(0x12345);
    expect(a.__phys_addr_nodebug(X86_PAGE_OFFSET + 0x5000)).toBe(0x5000);
    expect(a.__phys_addr_nodebug(START_KERNEL_map + 0x1000000)).toBe(0x1000000);
  });
});
