/**
 * mm/slub.c SLUB debugging (CONFIG_SLUB_DEBUG, default y in every modelled tree) as the slub_debug= boot
 * option turns it on for the kmalloc caches: the option's parser (setup_slub_debug), the per-cache flags
 * (kmem_cache_flags), the object layout it adds (calculate_sizes: left and right redzone, the free pointer
 * moved out of a poisoned object, two struct track, 6.1+'s kmalloc orig_size word), the bytes written
 * into the object (init_object: SLUB_RED_INACTIVE / SLUB_RED_ACTIVE redzones, POISON_FREE / POISON_END,
 * POISON_INUSE padding), and the consistency checks of alloc_debug_processing / free_debug_processing
 * (check_object, check_bytes_and_report, check_pad_bytes, on_freelist) with each era's report. The bytes
 * are the model's RAM: what a device writes there by DMA is what check_object reads.
 *
 * Facts: docs/verified-facts.md §"SLUB debugging (slub_debug=)".
 */
import type { Kernel } from "../kernel.js";
import type { KmemCache } from "./slub.js";
import { PAGE_SIZE } from "../core/u64.js";
import { add_taint, dump_stack_print_info, print_tainted, TAINT_BAD_PAGE } from "../kernel/panic.js";
import { default_pointer } from "../lib/vsprintf.js";
import { warn_site } from "../kernel/warn-sites.js";
import { order_objects } from "./slub_order.js";
import { freeptr_offset_in_object, get_freepointer, set_freepointer } from "./slub_freeptr.js";

// ---- flags (include/linux/slab.h; the model's own bit values) ----
export const SLAB_CONSISTENCY_CHECKS = 0x1;
export const SLAB_RED_ZONE = 0x2;
export const SLAB_POISON = 0x4;
export const SLAB_STORE_USER = 0x8;
export const SLAB_TRACE = 0x10;
export const SLAB_FAILSLAB = 0x20;
/** mm/slab.h __OBJECT_POISON: the object itself is poisoned (SLAB_POISON without ctor / SLAB_TYPESAFE_BY_RCU) */
export const __OBJECT_POISON = 0x40;
/** mm/slub.c DEBUG_DEFAULT_FLAGS (5.6–6.18): F, Z, P, U */
export const DEBUG_DEFAULT_FLAGS = SLAB_CONSISTENCY_CHECKS | SLAB_RED_ZONE | SLAB_POISON | SLAB_STORE_USER;
/** mm/slub.c DEBUG_METADATA_FLAGS: what slub_debug=O drops from a cache whose minimum order it would raise */
export const DEBUG_METADATA_FLAGS = SLAB_RED_ZONE | SLAB_POISON | SLAB_STORE_USER;
/** the flags that change a cache (everything kmem_cache_debug tests) */
export const SLAB_DEBUG_FLAGS = DEBUG_DEFAULT_FLAGS | SLAB_TRACE | SLAB_FAILSLAB;

// ---- include/linux/poison.h (5.6–6.18) ----
export const SLUB_RED_INACTIVE = 0xbb;
export const SLUB_RED_ACTIVE = 0xcc;
export const POISON_INUSE = 0x5a;
export const POISON_FREE = 0x6b;
export const POISON_END = 0xa5;

// ---- switches (src/switches/mm.ts) ----
/** e17f1dfba37b "mm, slub: extend slub_debug syntax for multiple blocks" (5.9) */
const SW_BLOCKS = "e17f1dfba37b";
/** 96b94abc12e6 "mm, slub: don't combine pr_err with INFO" (5.13) */
const SW_NO_INFO = "96b94abc12e6";
/** 8669dbab2ae5 "mm/slub: clarify verification reporting" (5.13) */
const SW_CLARIFY = "8669dbab2ae5";
/** 1a88ef87f861 "slub: actually use 'message' in restore_bytes()" (5.14) */
const SW_RESTORE_MSG = "1a88ef87f861";
/** 65ebdeef103f "mm/slub: add taint after the errors are printed" (5.14) */
const SW_TAINT_AFTER = "65ebdeef103f";
/** 792702911f58 "slub: force on no_hash_pointers when slub_debug is enabled" (5.14) */
export const SW_SLUB_NO_HASH = "792702911f58";
/** 788691464c29 "mm/slub: use stackdepot to save stack trace in objects" (5.17) */
const SW_STACKDEPOT = "788691464c29";
/** 6edf2576a6cc "mm/slub: enable debugging memory wasting of kmalloc" (6.1): the orig_size word */
const SW_ORIG_SIZE = "6edf2576a6cc";
/** 946fa0dbf2d8 "mm/slub: extend redzone check to extra allocated kmalloc space than requested" (6.2) */
const SW_KMALLOC_REDZONE = "946fa0dbf2d8";
/** 671776b32b26 "mm/slub: unify all sl[au]b parameters with "slab_$param"" (6.9): "slab_debug option '%c' unknown" */
const SW_SLAB_PARAM = "671776b32b26";
/** 47d911b02cbe "slab: make check_object() more consistent" (6.11) */
const SW_CHECK_ALL = "47d911b02cbe";
/** adef2aeaa2b9 "slab: don't put freepointer outside of object if only orig_size" (6.11) */
const SW_FP_ORIG_SIZE_RZ = "adef2aeaa2b9";
/** c7323a5ad078 "mm/slub: restrict sysfs validation to debug caches and make it safe" (6.0): free_debug_processing's slab->inuse check */
const SW_FREE_INUSE = "c7323a5ad078";
/** ed5ec2e95259 "mm: slub: Print the broken data before restoring them" (6.15) */
const SW_PRINT_BEFORE_RESTORE = "ed5ec2e95259";
/** 3f6f32b14ab3 "mm: slub: call WARN() when detecting a slab corruption" (6.15) */
const SW_WARN = "3f6f32b14ab3";
/** "mm/slab: use unsigned long for orig_size to ensure proper metadata align" (7.0; 6.18.y) */
const SW_ORIG_SIZE_LONG = "b85f369b81ae";

/** The parsed slub_debug= option of a boot (mm/slub.c's slub_debug, slub_debug_string / slub_debug_slabs, disable_higher_order_debug). */
export interface SlubDebug {
  /** slub_debug: the flags of every cache no slab list names */
  slub_debug: number;
  /** 5.9+: slub_debug_string (the whole option when a block names slabs), else null */
  slub_debug_string: string | null;
  /** 5.6: slub_debug_slabs (the list after the first ','), else null */
  slub_debug_slabs: string | null;
  disable_higher_order_debug: boolean;
  /** static_branch slub_debug_enabled / __slub_debug_enabled() (5.9+: flags or a slab list; 5.6: slub_debug != 0) */
  enabled: boolean;
}

/** mm/slub.c parse_slub_debug_flags (5.9–6.18; setup_slub_debug's switch in 5.6): one option letter, case-insensitive, to its SLAB_* flag ("o" and "-" handled by the caller; null: unknown) */
function flagOf(c: string): number | "o" | "-" | null {
  switch (c.toLowerCase()) {
    case "-":
      return "-";
    case "f":
      return SLAB_CONSISTENCY_CHECKS;
    case "z":
      return SLAB_RED_ZONE;
    case "p":
      return SLAB_POISON;
    case "u":
      return SLAB_STORE_USER;
    case "t":
      return SLAB_TRACE;
    case "a":
      return SLAB_FAILSLAB;
    case "o":
      return "o";
    default:
      return null;
  }
}

/** The pr_err of an unknown option letter (5.6–6.6 "slub_debug", 6.8+ "slab_debug"). */
function unknownOption(k: Kernel, c: string): void {
  k.printk("err", `${k.sw[SW_SLAB_PARAM] ? "slab_debug" : "slub_debug"} option '${c}' unknown. skipped`);
}

/**
 * mm/slub.c parse_slub_debug_flags (5.9–6.18, e17f1dfba37b): one ';'-separated block from `i`: its flags
 * (DEBUG_DEFAULT_FLAGS when it starts with ','), its slab list (the index after ',', or -1), the next
 * block's index (or -1). `init` prints unknown letters (setup_slub_debug's pass).
 */
function parse_slub_debug_flags(k: Kernel | null, str: string, i: number, init: boolean): { flags: number; slabs: number; next: number; higher: boolean } {
  let higher = false;
  let flags = 0;
  while (i < str.length && str[i] === ";") i++;
  if (str[i] === ",") flags = DEBUG_DEFAULT_FLAGS;
  else {
    for (; i < str.length && str[i] !== "," && str[i] !== ";"; i++) {
      const f = flagOf(str[i]!);
      if (f === "-") flags = 0;
      else if (f === "o") higher = true;
      else if (f === null) {
        if (init && k) unknownOption(k, str[i]!);
      } else flags |= f;
    }
  }
  const slabs = str[i] === "," ? ++i : -1;
  while (i < str.length && str[i] !== ";") i++;
  while (i < str.length && str[i] === ";") i++;
  return { flags, slabs, next: i < str.length ? i : -1, higher };
}

/**
 * mm/slub.c setup_slub_debug, the __setup("slub_debug") handler (6.8+ also "slab_debug"), run from parse_args
 * before kmem_cache_init: `value` is what follows "slub_debug=" (null: the bare option). No value → full
 * debugging (DEBUG_DEFAULT_FLAGS) for every cache. 5.6: one block "<flags>[,<slab>,...]" ('-' switches
 * everything off, ',' first means the default flags for the listed slabs); 5.9+ (e17f1dfba37b): blocks
 * separated by ';', a block without a slab list setting the global flags. An unknown letter is skipped
 * with pr_err; the kernel refuses nothing.
 */
export function setup_slub_debug(k: Kernel, value: string | null): SlubDebug {
  const r: SlubDebug = { slub_debug: DEBUG_DEFAULT_FLAGS, slub_debug_string: null, slub_debug_slabs: null, disable_higher_order_debug: false, enabled: true };
  if (value === null || value === "") return r;
  if (!k.sw[SW_BLOCKS]) {
    // 5.6.4 mm/slub.c:1248–1310
    const str = value;
    if (str[0] === ",") {
      r.slub_debug_slabs = str.slice(1);
      return r;
    }
    r.slub_debug = 0;
    if (str[0] === "-") {
      r.enabled = false;
      return r;
    }
    let i = 0;
    for (; i < str.length && str[i] !== ","; i++) {
      const f = flagOf(str[i]!);
      if (f === "o") r.disable_higher_order_debug = true;
      else if (f === null || f === "-") unknownOption(k, str[i]!);
      else r.slub_debug |= f;
    }
    if (str[i] === ",") r.slub_debug_slabs = str.slice(i + 1);
    r.enabled = r.slub_debug !== 0;
    return r;
  }
  // 5.10.7 mm/slub.c:1283–1393, 6.18.35 :1806–1923
  let global = DEBUG_DEFAULT_FLAGS;
  let changed = false;
  let listed = false;
  let i = 0;
  while (i >= 0) {
    const b = parse_slub_debug_flags(k, value, i, true);
    if (b.higher) r.disable_higher_order_debug = true;
    if (b.slabs < 0) {
      global = b.flags;
      changed = true;
    } else listed = true;
    i = b.next;
  }
  if (listed) {
    if (!changed) global = 0; // the global slub_debug (0 without CONFIG_SLUB_DEBUG_ON)
    r.slub_debug_string = value;
  }
  r.slub_debug = global;
  r.enabled = global !== 0 || r.slub_debug_string !== null;
  return r;
}

/** mm/slub.c's name match of one slab list entry: a '*' makes it a prefix, else the whole name (strncmp over max(len, entry length)). */
function nameMatches(name: string, entry: string): boolean {
  const glob = entry.indexOf("*");
  return glob >= 0 ? name.startsWith(entry.slice(0, glob)) : name === entry;
}

/**
 * mm/slub.c kmem_cache_flags (5.6–6.18) for a kmalloc cache: 5.6 slub_debug for every cache, or only for
 * those slub_debug_slabs names; 5.9+ the flags of the first block whose slab list names the cache, else
 * the global slub_debug. 5.9+ ends a list's entry at the next ',' or, when the next block starts before
 * that, at next_block - 1 (its last ';'): "FZ,kmalloc-64;;U" compares "kmalloc-64;" and a trailing
 * "FZ,kmalloc-64;" (no next block) the whole "kmalloc-64;", so neither names kmalloc-64 (5.10.7
 * :1424–1445, 6.18.35 :1962–1983).
 */
export function kmem_cache_flags(k: Kernel, name: string): number {
  const d = k.slub_debug;
  if (!d) return 0;
  if (!k.sw[SW_BLOCKS]) {
    if (d.slub_debug_slabs === null) return d.slub_debug;
    return d.slub_debug_slabs.split(",").some((e) => nameMatches(name, e)) ? d.slub_debug : 0;
  }
  const str = d.slub_debug_string;
  let i = str === null ? -1 : 0;
  while (i >= 0) {
    const b = parse_slub_debug_flags(null, str!, i, false);
    i = b.next;
    if (b.slabs < 0) continue;
    for (let iter = b.slabs; iter < str!.length; ) {
      let end = str!.indexOf(",", iter);
      if (end < 0) end = str!.length;
      if (b.next >= 0 && b.next < end) end = b.next - 1;
      if (nameMatches(name, str!.slice(iter, end))) return b.flags;
      if (end >= str!.length || str![end] === ";") break;
      iter = end + 1;
    }
  }
  return d.slub_debug;
}

/** sizeof(void *) */
function ptr(k: Kernel): number {
  return k.arch.name === "arm" ? 4 : 8;
}

/**
 * sizeof(struct track) (mm/slub.c): addr, cpu, pid, when and — 5.6–5.16 with CONFIG_STACKTRACE —
 * addrs[TRACK_ADDRS_COUNT = 16]; 5.17+ (788691464c29) with CONFIG_STACKDEPOT (SLUB_DEBUG selects it where
 * STACKTRACE_SUPPORT, every modelled arch) a 4-byte depot handle. CONFIG_STACKTRACE before 5.17: x86_64
 * defconfig's BLK_DEV_IO_TRACE selects it; arm64 defconfig (FTRACE off) and multi_v7 (no DEBUG_KERNEL) only
 * through KASAN's STACKDEPOT. 64-bit: 152 / 24 / 32 bytes; 32-bit ARM: 80 / 16 / 20.
 */
export function track_size(k: Kernel): number {
  const P = ptr(k);
  if (k.sw[SW_STACKDEPOT]) return P === 8 ? 32 : 20;
  const stacktrace = k.arch.name === "x86_64" || k.cfg.CONFIG_KASAN;
  return P + (stacktrace ? 16 * P : 0) + 4 + 4 + P;
}

/** sizeof the orig_size word: unsigned int (6.1, 6edf2576a6cc), unsigned long from "mm/slab: use unsigned long for orig_size …" (6.18.y) */
function orig_size_bytes(k: Kernel): number {
  return k.sw[SW_ORIG_SIZE_LONG] ? ptr(k) : 4;
}

/** mm/slub.c slub_debug_orig_size (6.1+): SLAB_STORE_USER on a kmalloc cache (SLAB_KMALLOC) */
export function slub_debug_orig_size(k: Kernel, s: KmemCache): boolean {
  return !!k.sw[SW_ORIG_SIZE] && (s.flags & SLAB_STORE_USER) !== 0;
}

/** mm/slub.c freeptr_outside_object: s->offset >= s->inuse */
function freeptr_outside_object(s: KmemCache): boolean {
  return s.offset >= s.inuse;
}

/** mm/slub.c get_info_end: where the free pointer (outside) or the object's in-use part ends */
function get_info_end(k: Kernel, s: KmemCache): number {
  return freeptr_outside_object(s) ? s.offset + ptr(k) : s.inuse;
}

/** mm/slub.c size_from_object: s->size - s->red_left_pad with SLAB_RED_ZONE */
function size_from_object(s: KmemCache): number {
  return s.flags & SLAB_RED_ZONE ? s.size - s.red_left_pad : s.size;
}

/** The offset of the end of the metadata (get_info_end + the tracks + orig_size): check_pad_bytes' and print_trailer's `off` */
function metadata_end(k: Kernel, s: KmemCache): number {
  let off = get_info_end(k, s);
  if (s.flags & SLAB_STORE_USER) {
    off += 2 * track_size(k);
    if (slub_debug_orig_size(k, s)) off += orig_size_bytes(k);
  }
  return off;
}

/**
 * mm/slub.c calculate_sizes (5.6–6.18) for a kmalloc cache with debug flags (no ctor, not
 * SLAB_TYPESAFE_BY_RCU, no KASAN): __OBJECT_POISON with SLAB_POISON; a word of right redzone when the object
 * fills its words; s->inuse; the free pointer after it when poisoning (and 6.2–6.10 with orig_size, 6.11+
 * (adef2aeaa2b9) with orig_size only when redzoning), else in the object; two struct track with
 * SLAB_STORE_USER, plus the orig_size word on a kmalloc cache (6.1+); a word of padding and the left
 * redzone (red_left_pad = ALIGN(sizeof(void *), s->align)) with SLAB_RED_ZONE. Returns the size before
 * the final ALIGN(size, s->align).
 */
export function calculate_sizes_debug(k: Kernel, s: KmemCache): number {
  const P = ptr(k);
  const flags = s.flags;
  let size = Math.ceil(s.object_size / P) * P;
  if (flags & SLAB_POISON) s.flags |= __OBJECT_POISON;
  else s.flags &= ~__OBJECT_POISON;
  if (flags & SLAB_RED_ZONE && size === s.object_size) size += P;
  s.inuse = size;
  const orig = slub_debug_orig_size(k, s);
  const fpOutForOrig = k.sw[SW_FP_ORIG_SIZE_RZ] ? orig && (flags & SLAB_RED_ZONE) !== 0 : orig && !!k.sw[SW_KMALLOC_REDZONE];
  if (flags & SLAB_POISON || fpOutForOrig) {
    s.offset = size;
    size += P;
  } else {
    // the free pointer inside the object (5.6: offset 0; 5.7+: its middle)
    s.offset = freeptr_offset_in_object(k, s.object_size);
  }
  if (flags & SLAB_STORE_USER) {
    size += 2 * track_size(k);
    if (orig) size += orig_size_bytes(k);
  }
  s.red_left_pad = 0;
  if (flags & SLAB_RED_ZONE) {
    size += P;
    s.red_left_pad = Math.ceil(P / s.align) * s.align;
    size += s.red_left_pad;
  }
  return size;
}

/** memset through the kernel mapping (CPU stores: the cache model sees them) */
function memset(k: Kernel, va: number, v: number, n: number): void {
  if (n > 0) k.kmemset(va, v, n, "init_object");
}

/** mm/slub.c set_orig_size (6.1+): the requested size in the word after the tracks (unsigned int; unsigned long in 6.18.y) */
export function set_orig_size(k: Kernel, s: KmemCache, object: number, orig_size: number): void {
  if (!slub_debug_orig_size(k, s)) return;
  const n = orig_size_bytes(k);
  const b = new Uint8Array(n);
  for (let i = 0; i < 4; i++) b[i] = (orig_size >>> (8 * i)) & 0xff;
  k.kwrite(object + get_info_end(k, s) + 2 * track_size(k), b, "set_orig_size");
}

/** mm/slub.c get_orig_size (6.1+): the word set_orig_size wrote (s->object_size without orig_size tracking) */
function get_orig_size(k: Kernel, s: KmemCache, object: number): number {
  if (!slub_debug_orig_size(k, s)) return s.object_size;
  const b = k.kread(object + get_info_end(k, s) + 2 * track_size(k), 4, "get_orig_size");
  return (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
}

/**
 * mm/slub.c init_object (5.6–6.18): the left redzone and the bytes from the object's end to s->inuse get
 * `val` (SLUB_RED_INACTIVE free, SLUB_RED_ACTIVE allocated); a poisoned object gets POISON_FREE and a final
 * POISON_END. 6.2+ (946fa0dbf2d8): an allocated kmalloc object with orig_size tracking is poisoned only up
 * to its requested size, and from there to s->inuse it is redzone.
 */
export function init_object(k: Kernel, s: KmemCache, object: number, val: number): void {
  let poison_size = s.object_size;
  if (s.flags & SLAB_RED_ZONE) {
    memset(k, object - s.red_left_pad, val, s.red_left_pad);
    if (k.sw[SW_KMALLOC_REDZONE] && slub_debug_orig_size(k, s) && val === SLUB_RED_ACTIVE) poison_size = get_orig_size(k, s, object);
  }
  if (s.flags & __OBJECT_POISON) {
    memset(k, object, POISON_FREE, poison_size - 1);
    memset(k, object + poison_size - 1, POISON_END, 1);
  }
  if (s.flags & SLAB_RED_ZONE) memset(k, object + poison_size, val, s.inuse - poison_size);
}

/**
 * mm/slub.c setup_page_debug / setup_slab_debug (5.6–6.18, a new slab): SLAB_POISON fills the whole slab
 * with POISON_INUSE; then setup_object_debug → init_object(SLUB_RED_INACTIVE) and init_tracking (the two
 * tracks zeroed) for every object.
 */
export function setup_slab_debug(k: Kernel, s: KmemCache, base: number, order: number, objects: number[]): void {
  if (s.flags & SLAB_POISON) memset(k, base, POISON_INUSE, PAGE_SIZE << order);
  if (!(s.flags & (SLAB_STORE_USER | SLAB_RED_ZONE | __OBJECT_POISON))) return;
  for (const object of objects) {
    init_object(k, s, object, SLUB_RED_INACTIVE);
    if (s.flags & SLAB_STORE_USER) memset(k, object + get_info_end(k, s), 0, 2 * track_size(k));
  }
}

// ---- reports ----

/** %p (lib/vsprintf.c): the hash, or the address with no_hash_pointers (5.14+: forced on by slub_debug) */
function p(k: Kernel, a: number): string {
  return default_pointer(k, a);
}

/** printf %x */
function x(v: number): string {
  return v.toString(16);
}

/**
 * lib/hexdump.c print_hex_dump(KERN_ERR, prefix, DUMP_PREFIX_ADDRESS, 16, 1, addr, len, 1) as mm/slub.c
 * print_section calls it: "%s%p: %s" per 16 bytes — the hex bytes, padded to column 49, then the ASCII.
 */
function print_section(k: Kernel, out: string[], text: string, addr: number, length: number): void {
  const bytes = k.kread(addr, length, "print_section");
  for (let i = 0; i < length; i += 16) {
    const row = bytes.subarray(i, Math.min(length, i + 16));
    let line = [...row].map((b) => b.toString(16).padStart(2, "0")).join(" ");
    line = line.padEnd(49, " ") + [...row].map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : ".")).join("");
    out.push(`${text}${p(k, addr + i)}: ${line}`);
  }
}

/** One report being printed: its console lines, and the slab's base (for @offset). */
interface Report {
  out: string[];
  /** the object's slab (slab_address / page_address) */
  addr: number;
  /** the first "BUG %s (%s): …" line, the record's message */
  bug?: string;
  /** 6.15+: object_err's (or slab_err's) WARN_ON(1) follows */
  warn?: "object_err" | "__slab_err";
}

/** mm/slub.c slab_bug (5.6–6.18; 6.15+ __slab_bug): the '=' line, "BUG %s (%s): %pV" with print_tainted(), the '-' line and an empty one; before 65ebdeef103f (5.14) it adds TAINT_BAD_PAGE itself. */
function slab_bug(k: Kernel, s: KmemCache, r: Report, what: string): void {
  const line = `BUG ${s.name} (${print_tainted(k)}): ${what}`;
  r.bug ??= line;
  r.out.push("=".repeat(77), line, "-".repeat(77), "");
  if (!k.sw[SW_TAINT_AFTER]) add_taint(k, TAINT_BAD_PAGE);
}

/** mm/slub.c slab_fix (5.6–6.18): "FIX %s: %pV" */
function slab_fix(s: KmemCache, r: Report, msg: string): void {
  r.out.push(`FIX ${s.name}: ${msg}`);
}

/**
 * mm/slub.c print_trailer (5.6–6.18), as far as the model has its values: the object's sections — the left
 * redzone ("Redzone ") with SLAB_RED_ZONE (else 16 "Bytes b4 " when there are), "Object ", the right
 * redzone up to s->inuse, and the padding after the metadata — as hex dumps of the bytes in RAM, then
 * dump_stack (until 6.15, whose object_err WARNs instead). 8669dbab2ae5 (5.13) pads the labels to one
 * width. Model bounds: print_tracking (the alloc/free tracks with their stack traces), print_page_info /
 * print_slab_info ("Slab 0x%p objects=%u used=%u fp=0x%p flags=…") and the "Object 0x%p @offset=%tu fp=0x%p"
 * line are left out: the model keeps no tracks, per-slab counters or free pointers.
 */
function print_trailer(k: Kernel, s: KmemCache, r: Report, object: number): void {
  const w = k.sw[SW_CLARIFY];
  if (s.flags & SLAB_RED_ZONE) print_section(k, r.out, w ? "Redzone  " : "Redzone ", object - s.red_left_pad, s.red_left_pad);
  else if (object > r.addr + 16) print_section(k, r.out, "Bytes b4 ", object - 16, 16);
  print_section(k, r.out, w ? "Object   " : "Object ", object, Math.min(s.object_size, PAGE_SIZE));
  if (s.flags & SLAB_RED_ZONE) print_section(k, r.out, w ? "Redzone  " : "Redzone ", object + s.object_size, s.inuse - s.object_size);
  const off = metadata_end(k, s);
  if (off !== size_from_object(s)) print_section(k, r.out, w ? "Padding  " : "Padding ", object + off, size_from_object(s) - off);
  if (!k.sw[SW_WARN]) r.out.push(...dump_stack_print_info(k));
}

/**
 * mm/slub.c slab_err (5.6–6.18) as far as the model has its values: slab_bug with the message (printed through
 * a 100-byte buffer, so a format's trailing "\n" leaves an empty line after the BUG line); 5.6–6.14 then
 * print_page_info / print_slab_info (left out, as in print_trailer: the model keeps no struct slab) and
 * dump_stack, 6.1+ the taint after it; 6.15+ (3f6f32b14ab3) __slab_err: print_slab_info, the taint, WARN_ON(1).
 */
function slab_err(k: Kernel, s: KmemCache, r: Report, msg: string): void {
  const nl = msg.endsWith("\n");
  slab_bug(k, s, r, nl ? msg.slice(0, -1) : msg);
  if (nl) r.out.splice(r.out.length - 2, 0, "");
  if (k.sw[SW_WARN]) {
    add_taint(k, TAINT_BAD_PAGE);
    r.warn = "__slab_err";
    return;
  }
  r.out.push(...dump_stack_print_info(k));
  add_taint(k, TAINT_BAD_PAGE);
}

/** The slab's in-use objects (slab->inuse, src/mm/slub_cpu.ts SlabRec); 0 for an address in no slab of the cache */
export function slab_inuse(s: KmemCache, object: number): number {
  return s.slab_pages.get(Math.floor(object / PAGE_SIZE))?.inuse ?? 0;
}

/** mm/slub.c object_err (5.6–6.18): slab_bug(reason), print_trailer, the taint; 6.15+ (3f6f32b14ab3) then WARN_ON(1). */
function object_err(k: Kernel, s: KmemCache, r: Report, object: number, reason: string): void {
  slab_bug(k, s, r, reason);
  print_trailer(k, s, r, object);
  add_taint(k, TAINT_BAD_PAGE);
  if (k.sw[SW_WARN]) r.warn = "object_err";
}

/**
 * mm/slub.c check_bytes_and_report (5.6–6.18): memchr_inv of `bytes` at `start` against `value`; on a
 * mismatch the report and restore_bytes (the bytes from the first to the last wrong one get `value`
 * again). Era by era: 5.6–5.12 slab_bug("%s overwritten"), "INFO: 0x%p-0x%p @offset=%tu. First byte 0x%x
 * instead of 0x%x", print_trailer, "FIX %s: Restoring 0x%p-0x%p=0x%x" and an empty line; 5.13 without
 * "INFO: " (96b94abc12e6); 5.14+ "Restoring %s 0x%p-0x%p=0x%x" (1a88ef87f861) and the taint after the
 * trailer (65ebdeef103f); 6.11+ (47d911b02cbe) no trailer here (check_object prints one at the end); 6.15+
 * (ed5ec2e95259) "[%s overwritten] 0x%p-0x%p @offset=%tu. …" and, for the first one, object_err("Object
 * corrupt") before the restore.
 */
function check_bytes_and_report(k: Kernel, s: KmemCache, r: Report, object: number, what: string, start: number, value: number, bytes: number, slab_obj_print: boolean): boolean {
  if (bytes <= 0) return true;
  const b = k.kread(start, bytes, "check_bytes_and_report");
  let f = 0;
  while (f < bytes && b[f] === value) f++;
  if (f === bytes) return true;
  let e = bytes;
  while (e > f && b[e - 1] === value) e--;
  const fault = start + f;
  const end = start + e;
  const range = `0x${p(k, fault)}-0x${p(k, end - 1)} @offset=${fault - r.addr}. First byte 0x${x(b[f]!)} instead of 0x${x(value)}`;
  if (k.sw[SW_PRINT_BEFORE_RESTORE]) {
    r.out.push(`[${what} overwritten] ${range}`);
    if (slab_obj_print) object_err(k, s, r, object, "Object corrupt");
  } else {
    slab_bug(k, s, r, `${what} overwritten`);
    r.out.push(k.sw[SW_NO_INFO] ? range : `INFO: ${range}`);
    if (!k.sw[SW_CHECK_ALL]) {
      print_trailer(k, s, r, object);
      if (k.sw[SW_TAINT_AFTER]) add_taint(k, TAINT_BAD_PAGE);
    }
  }
  // restore_bytes
  if (k.sw[SW_RESTORE_MSG]) slab_fix(s, r, `Restoring ${what} 0x${p(k, fault)}-0x${p(k, end - 1)}=0x${x(value)}`);
  else r.out.push(`FIX ${s.name}: Restoring 0x${p(k, fault)}-0x${p(k, end - 1)}=0x${x(value)}`, "");
  memset(k, fault, value, end - fault);
  return false;
}

/** mm/slub.c check_pad_bytes (5.6–6.18): the bytes after the metadata up to size_from_object must be POISON_INUSE ("Object padding") */
function check_pad_bytes(k: Kernel, s: KmemCache, r: Report, object: number): boolean {
  const off = metadata_end(k, s);
  if (size_from_object(s) === off) return true;
  return check_bytes_and_report(k, s, r, object, "Object padding", object + off, POISON_INUSE, size_from_object(s) - off, true);
}

/**
 * mm/slub.c check_object (5.6–6.18): the left and right redzone against `val`; 6.2+ (946fa0dbf2d8) for an allocated kmalloc object with
 * orig_size the "kmalloc Redzone" between the requested size and object_size; without SLAB_RED_ZONE the
 * "Alignment padding" (POISON_INUSE); with SLAB_POISON, for a free object, "Poison" (POISON_FREE) and
 * "End Poison" (POISON_END; 5.6–5.12 both "Poison", 8669dbab2ae5), then the padding. 5.6–6.10 stop at the
 * first wrong check (but the alignment and pad checks); 6.11+ (47d911b02cbe) run all and print the
 * trailer once at the end, with the taint. Last the free pointer — unless the object is allocated and
 * the pointer inside it (5.6 `!s->offset && val == SLUB_RED_ACTIVE`, 5.10+ `!freeptr_outside_object(s)`, the
 * same caches) —: check_valid_pointer fails → object_err("Freepointer corrupt"), set_freepointer(s, p, NULL).
 */
function check_object(k: Kernel, s: KmemCache, r: Report, object: number, val: number): boolean {
  const all = !!k.sw[SW_CHECK_ALL];
  let ret = true;
  const chk = (what: string, start: number, value: number, bytes: number): boolean => {
    const ok = check_bytes_and_report(k, s, r, object, what, start, value, bytes, ret);
    if (!ok) ret = false;
    return ok;
  };
  const clarify = k.sw[SW_CLARIFY];
  if (s.flags & SLAB_RED_ZONE) {
    if (!chk(clarify ? "Left Redzone" : "Redzone", object - s.red_left_pad, val, s.red_left_pad) && !all) return false;
    if (!chk(clarify ? "Right Redzone" : "Redzone", object + s.object_size, val, s.inuse - s.object_size) && !all) return false;
    if (k.sw[SW_KMALLOC_REDZONE] && slub_debug_orig_size(k, s) && val === SLUB_RED_ACTIVE) {
      const orig_size = get_orig_size(k, s, object);
      if (s.object_size > orig_size && !chk("kmalloc Redzone", object + orig_size, val, s.object_size - orig_size) && !all) return false;
    }
  } else if (s.flags & SLAB_POISON && s.object_size < s.inuse) {
    // 5.6–6.10 report it but go on as if it were right
    const before = ret;
    chk("Alignment padding", object + s.object_size, POISON_INUSE, s.inuse - s.object_size);
    if (!all) ret = before;
  }
  if (s.flags & SLAB_POISON) {
    if (val !== SLUB_RED_ACTIVE && s.flags & __OBJECT_POISON) {
      if (all) {
        chk("Poison", object, POISON_FREE, s.object_size - 1);
        chk("End Poison", object + s.object_size - 1, POISON_END, 1);
      } else if (!chk("Poison", object, POISON_FREE, s.object_size - 1) || !chk(clarify ? "End Poison" : "Poison", object + s.object_size - 1, POISON_END, 1)) return false;
    }
    // check_pad_bytes "cleans up on its own": 5.6–6.10 ignore its result
    if (!check_pad_bytes(k, s, r, object) && all) ret = false;
  }
  if ((freeptr_outside_object(s) || val !== SLUB_RED_ACTIVE) && !check_valid_pointer(k, s, r.addr, get_freepointer(k, s, object))) {
    object_err(k, s, r, object, "Freepointer corrupt");
    // "No choice but to zap it and thus lose the remainder of the free objects in this slab."
    set_freepointer(k, s, object, 0);
    ret = false;
  }
  if (!ret && all && !k.sw[SW_PRINT_BEFORE_RESTORE]) {
    print_trailer(k, s, r, object);
    add_taint(k, TAINT_BAD_PAGE);
  }
  return ret;
}

/**
 * mm/slub.c check_valid_pointer (5.6–6.18): NULL is valid; else, after restore_red_left, the address must lie
 * in the slab (base … base + slab->objects × s->size) on an s->size boundary. NaN: a 64-bit word no
 * address of the model can be (non-canonical), never valid.
 */
function check_valid_pointer(k: Kernel, s: KmemCache, base: number, object: number): boolean {
  if (object === 0) return true;
  if (Number.isNaN(object)) return false;
  if (s.flags & SLAB_RED_ZONE) object -= s.red_left_pad;
  const objects = s.slab_pages.get(Math.floor(base / PAGE_SIZE))?.objects ?? order_objects(0, s.size);
  return !(object < base || object >= base + objects * s.size || (object - base) % s.size !== 0);
}

/** A report of this check, recorded as a "slub" fault (and 6.15+'s WARN_ON(1) of object_err), if anything was printed. */
function emit(k: Kernel, r: Report, object: number, pc: string): void {
  if (!r.out.length) return;
  k.report("slub", r.bug ?? r.out[0]!, pc, { addr: object, report: r.out });
  if (r.warn) k.warn(`WARNING: ${r.warn}: WARN_ON(1)`, r.warn, warn_site(k, r.warn));
}

/** slab_address(virt_to_slab(object)): the base of the slab an object is in (its page for an address in no slab of the cache) */
export function slab_of(s: KmemCache, object: number): number {
  return s.slab_pages.get(Math.floor(object / PAGE_SIZE))?.base ?? Math.floor(object / PAGE_SIZE) * PAGE_SIZE;
}

/**
 * mm/slub.c freelist_corrupted (5.8–6.18, 52f23478081a; deactivate_slab's walk of a cpu freelist): with
 * SLAB_CONSISTENCY_CHECKS a next free pointer check_valid_pointer rejects gets object_err(object, "Freechain
 * corrupt") and slab_fix("Isolate corrupted freechain"): true, the walk stops there. `nextfree`: a bigint for a
 * non-canonical word.
 */
export function freelist_corrupted(k: Kernel, s: KmemCache, base: number, object: number | bigint, nextfree: number | bigint): boolean {
  if (!(s.flags & SLAB_CONSISTENCY_CHECKS) || check_valid_pointer(k, s, base, typeof nextfree === "bigint" ? NaN : nextfree)) return false;
  const r: Report = { out: [], addr: base };
  object_err(k, s, r, object as number, "Freechain corrupt");
  slab_fix(s, r, "Isolate corrupted freechain");
  emit(k, r, object as number, "deactivate_slab");
  return true;
}

/** mm/slub.c free_slab's SLAB_CONSISTENCY_CHECKS pass (5.6–6.18): check_object(SLUB_RED_INACTIVE) on each object of a slab being discarded (slab_pad_check: model bound) */
export function free_slab_checks(k: Kernel, s: KmemCache, base: number, objects: number): void {
  for (let i = 0; i < objects; i++) {
    const object = base + i * s.size + s.red_left_pad;
    const r: Report = { out: [], addr: base };
    check_object(k, s, r, object, SLUB_RED_INACTIVE);
    emit(k, r, object, "free_slab");
  }
}

/**
 * mm/slub.c alloc_debug_processing (5.6–6.18) for the object the freelist gives: with
 * SLAB_CONSISTENCY_CHECKS, alloc_consistency_checks → check_object(SLUB_RED_INACTIVE) — a failure prints
 * "FIX %s: Marking all objects used" and returns false (the caller drops the slab's free objects and
 * takes another); else set_orig_size (6.1+) and init_object(SLUB_RED_ACTIVE).
 */
export function alloc_debug_processing(k: Kernel, s: KmemCache, object: number, orig_size: number): boolean {
  if (s.flags & SLAB_CONSISTENCY_CHECKS) {
    const r: Report = { out: [], addr: slab_of(s, object) };
    const ok = check_object(k, s, r, object, SLUB_RED_INACTIVE);
    if (!ok) slab_fix(s, r, "Marking all objects used");
    emit(k, r, object, "alloc_debug_processing");
    if (!ok) return false;
  }
  set_orig_size(k, s, object, orig_size);
  init_object(k, s, object, SLUB_RED_ACTIVE);
  return true;
}

/**
 * mm/slub.c free_debug_processing (5.6–6.18) for one object: 6.0+ (c7323a5ad078), with any debug flag, a slab
 * with fewer objects in use than are freed (the last one freed twice) gets slab_err("Slab has %d allocated
 * objects but %d are to be freed\n"); with SLAB_CONSISTENCY_CHECKS, free_consistency_checks — on_freelist
 * ("Object already free", object_err) and check_object(SLUB_RED_ACTIVE); a failure prints "FIX %s: Object at
 * 0x%p not freed" and the object is not freed; else init_object(SLUB_RED_INACTIVE). `alreadyFree`: the object
 * is on its slab's freelist.
 */
export function free_debug_processing(k: Kernel, s: KmemCache, object: number, alreadyFree: boolean): boolean {
  if (alreadyFree && k.sw[SW_FREE_INUSE]) {
    const inuse = slab_inuse(s, object);
    if (inuse < 1) {
      const r: Report = { out: [], addr: slab_of(s, object) };
      slab_err(k, s, r, `Slab has ${inuse} allocated objects but 1 are to be freed\n`);
      slab_fix(s, r, `Object at 0x${p(k, object)} not freed`);
      emit(k, r, object, "free_debug_processing");
      return false;
    }
  }
  if (s.flags & SLAB_CONSISTENCY_CHECKS) {
    const r: Report = { out: [], addr: slab_of(s, object) };
    let ok: boolean;
    if (alreadyFree) {
      object_err(k, s, r, object, "Object already free");
      ok = false;
    } else ok = check_object(k, s, r, object, SLUB_RED_ACTIVE);
    if (!ok) slab_fix(s, r, `Object at 0x${p(k, object)} not freed`);
    emit(k, r, object, "free_debug_processing");
    if (!ok) return false;
  }
  init_object(k, s, object, SLUB_RED_INACTIVE);
  return true;
}

/**
 * mm/slab_common.c / mm/slub.c slab_post_alloc_hook's memset for __GFP_ZERO (5.6–6.18): s->object_size
 * bytes; 6.2+ (946fa0dbf2d8's series: "mm/slub: only zero the requested size of buffer for kzalloc")
 * only the requested size when SLAB_STORE_USER or SLAB_RED_ZONE is on for a kmalloc cache.
 */
export function zero_size(k: Kernel, s: KmemCache, orig_size: number): number {
  return k.sw[SW_KMALLOC_REDZONE] && s.flags & (SLAB_STORE_USER | SLAB_RED_ZONE) ? orig_size : s.object_size;
}
