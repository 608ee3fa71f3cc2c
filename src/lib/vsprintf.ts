/**
 * lib/vsprintf.c: how %p prints a kernel pointer (5.6–6.18), the no_hash_pointers / hash_pointers=
 * boot options, and kernel/trace/trace.c trace_event_format's %p → %px rewrite (the tracefs
 * "hash-ptr" option). The tracepoint views (the 6.12+ DMA-API events' virt_addr) and every console
 * message whose format has %p or %pK (dma-debug's [addr=%p], vmalloc's "nonexistent vm area (%p)",
 * "Freeing invalid buffer %p", virt_to_phys's %pK, …) print through default_pointer.
 *
 * The siphash key: the kernel fills ptr_key with get_random_bytes once the RNG is ready
 * (fill_ptr_key / initialize_ptr_random), a new key every boot, so a real kernel's hashed pointers
 * differ from boot to boot. dmasim is deterministic: every boot uses the fixed key 00 01 … 0f (the
 * SipHash reference key, lib/siphash_kunit.c test_key_siphash), so the same run prints the same hashes.
 * Only equality within one run means anything, as on a real kernel.
 */
import type { Kernel } from "../kernel.js";
import { siphash_1u32, siphash_1u64, type SiphashKey } from "./siphash.js";
import { toBig } from "../core/u64.js";

/** lib/vsprintf.c ptr_key — dmasim's fixed stand-in for the per-boot random key (see above) */
export const PTR_KEY: SiphashKey = { k0: 0x0706050403020100n, k1: 0x0f0e0d0c0b0a0908n };

/** The switches: no_hash_pointers (5.12) and the tracefs hash-ptr option (5.12). */
export const SW_NO_HASH_POINTERS = "5ead723a20e0";
export const SW_TRACE_HASH_PTR = "a345a6718bd5";

/** sizeof(void *) in hex digits: 8 on 32-bit ARM, 16 elsewhere */
function ptrDigits(k: Kernel): number {
  return k.arch.name === "arm" ? 8 : 16;
}

/** The pointer's bits as unsigned long (a kernel VA is a negative number in the model on 64-bit). */
function ulong(k: Kernel, va: number): bigint {
  return BigInt.asUintN(k.arch.name === "arm" ? 32 : 64, toBig(va));
}

/** lib/vsprintf.c pointer_string (5.6–6.18): %p's default spec, field width 2 * sizeof(void *), zero-padded, lower-case hex, no 0x */
function pointer_string(k: Kernel, v: bigint): string {
  return v.toString(16).padStart(ptrDigits(k), "0");
}

/**
 * lib/vsprintf.c __ptr_to_hashval (5.6–6.18; 5.6.4 :764–786, 6.12.19 :778–801, 6.18.35 :785): siphash_1u64(ptr)
 * masked to its low 32 bits on 64-bit (5.6.4 :777, 6.12.19 :794, 6.18.35 :801), siphash_1u32 on 32-bit.
 */
export function ptr_to_hashval(k: Kernel, va: number): bigint {
  if (k.arch.name === "arm") return siphash_1u32(Number(ulong(k, va)), PTR_KEY) & 0xffff_ffffn;
  return siphash_1u64(ulong(k, va), PTR_KEY) & 0xffff_ffffn;
}

/**
 * lib/vsprintf.c default_pointer → ptr_to_id (5.12–6.18; 6.12.19 :807–847, 6.18.35 :814–854; 5.6–5.11 ptr_to_id alone, 5.6.4 :790):
 * NULL and ERR_PTR values print as they are; anything else as its hash, unless no_hash_pointers.
 * (Before the RNG is ready the kernel prints "(____ptrval____)": not reached, every %p here is printed
 * after boot.)
 */
export function default_pointer(k: Kernel, va: number): string {
  const v = ulong(k, va);
  const errMax = k.arch.name === "arm" ? 0xffff_ffffn : 0xffff_ffff_ffff_ffffn;
  if (v === 0n || v > errMax - 4095n) return pointer_string(k, v); // IS_ERR_OR_NULL
  if ((k.cfg.no_hash_pointers && k.sw[SW_NO_HASH_POINTERS]) || k.slub_no_hash_pointers) return pointer_string(k, v);
  return pointer_string(k, ptr_to_hashval(k, va));
}

/**
 * lib/vsprintf.c restricted_pointer (%pK) with the default kptr_restrict = 0 (5.6–6.18; 5.6.4 :816–822 → ptr_to_id,
 * 6.12.19 :853–859 → default_pointer): the %p form — the hash, or the address with no_hash_pointers.
 */
export function restricted_pointer(k: Kernel, va: number): string {
  return default_pointer(k, va);
}

/**
 * %p in a trace event's TP_printk as /sys/kernel/tracing/trace prints it: kernel/trace/trace.c
 * trace_event_format (5.12–6.18; 6.12.19 :3747–3785) rewrites %p to %px — the address itself — when the
 * instance's hash-ptr option is off; it is on by default (TRACE_DEFAULT_FLAGS, 6.12.19 trace.c:480–486),
 * so %p goes to vsnprintf and is hashed as above. 5.6–5.11 have no such option: always vsnprintf's %p.
 */
export function trace_pointer(k: Kernel, va: number): string {
  if (k.sw[SW_TRACE_HASH_PTR] && k.cfg.trace_hash_ptr === false) return pointer_string(k, ulong(k, va));
  return default_pointer(k, va);
}

/**
 * The boot lines of no_hash_pointers (5.12+): 5.12–6.17 no_hash_pointers_enable (early_param) prints the
 * NOTICE banner with pr_warn (6.12.19 lib/vsprintf.c:2232–2255); 6.18 (hash_pointers=) prints pr_info
 * "Hash pointers mode set to never." from the early param (6.18.35 :2340–2367) and the banner, with its
 * extra "Use hash_pointers=always to force this mode off" line, from hash_pointers_finalize in
 * kmem_cache_init (:2305–2337, mm/slub.c:8508) — dmasim prints that banner at the early param too.
 */
export function no_hash_pointers_enable(k: Kernel): void {
  if (!k.cfg.no_hash_pointers || !k.sw[SW_NO_HASH_POINTERS]) return;
  if (k.sw[SW_HASH_POINTERS_MODE]) k.printk("info", "Hash pointers mode set to never.");
  no_hash_pointers_banner(k);
}

/**
 * mm/slub.c kmem_cache_init with slub_debug on (__slub_debug_enabled()): 5.14–6.16 (792702911f58)
 * no_hash_pointers_enable(NULL) — %p prints addresses from here on, with the NOTICE banner unless the
 * no_hash_pointers option already printed it; 6.17+ hash_pointers_finalize(true) in the default
 * hash_pointers=auto mode, the same (6.18.35 mm/slub.c:8508, lib/vsprintf.c:2305–2337).
 */
export function slub_debug_no_hash_pointers(k: Kernel): void {
  if (k.slub_no_hash_pointers) return;
  k.slub_no_hash_pointers = true;
  if (k.cfg.no_hash_pointers && k.sw[SW_NO_HASH_POINTERS]) return;
  no_hash_pointers_banner(k);
}

/** lib/vsprintf.c's NOTICE banner (pr_warn): 13 lines, 15 with 6.17+'s "Use hash_pointers=always to force this mode off" */
function no_hash_pointers_banner(k: Kernel): void {
  const sixEighteen = !!k.sw[SW_HASH_POINTERS_MODE];
  const star = "*".repeat(58);
  const row = (t: string) => `**${t.padEnd(54)}**`;
  const notice = row("   NOTICE NOTICE NOTICE NOTICE NOTICE NOTICE NOTICE");
  const lines = [
    star, notice, row(""),
    row(" This system shows unhashed kernel memory addresses"),
    row(" via the console, logs, and other interfaces. This"),
    row(" might reduce the security of your system."),
    row(""),
    row(" If you see this message and you are not debugging"),
    row(" the kernel, report this immediately to your system"),
    row(" administrator!"),
    row(""),
    ...(sixEighteen ? [row(" Use hash_pointers=always to force this mode off"), row("")] : []),
    notice, star,
  ];
  for (const l of lines) k.printk("warn", l);
}

/** de1c831a7898 (6.17) "slab: Decouple slab_debug and no_hash_pointers" (hash_pointers=; src/switches/dma.ts) */
export const SW_HASH_POINTERS_MODE = "de1c831a7898";
