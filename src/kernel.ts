/**
 * The booted kernel: every piece of machine and kernel state a modelled function touches, plus
 * the fault and diagnostic records of the run. Built by `boot()` (src/init.ts).
 */
import { TAINT_BAD_PAGE, __warn, add_taint, die_kernel_fault, warn_printed } from "./kernel/panic.js";
import { bug_site, warn_site } from "./kernel/warn-sites.js";
import type { Arch } from "./arch/arch.js";
import type { Device } from "./drivers/device.js";
import type { Platform } from "./platforms/platform.js";
import { SWITCHES, type KernelVersion } from "./versions.js";
import { KernelFault, type FaultRecord } from "./core/faults.js";
import type { Tracer } from "./core/trace.js";
import { PhysMem } from "./mm/physmem.js";
import { swiotlb_era_for, type SwiotlbEra } from "./kernel/dma/swiotlb/index.js";
import { Cache } from "./mm/cache.js";
import type { Memblock } from "./mm/memblock.js";
import type { KasanInitResult } from "./arch/arm64/kasan_init.js";
import type { BuddyAllocator, MemMap } from "./mm/page_alloc.js";
import type { PageTable, Prot } from "./mm/pgtable.js";
import { isWalkHit } from "./mm/pgtable.js";
import type { VmallocSpace } from "./mm/vmalloc.js";
import type { GenPool } from "./mm/genalloc.js";
import type { CmaArea } from "./mm/cma.js";
import { F64_ZERO, PAGE_SIZE, hex, offset_in_page } from "./core/u64.js";

/** Boot and Kconfig options a run can set. */
export interface KConfig {
  /** RAM size in bytes */
  mem: number;
  /** default CMA area size in bytes (0 = none) */
  cma: number;
  /** cma= was given (a scenario's config or --set): on a platform whose DT has a linux,cma-default node, the kernel bypasses the node for the cma= area */
  cma_cmdline?: boolean;
  /** coherent_pool= (bytes) or 0 for the default */
  coherent_pool: number;
  /** the boot options given, as words of the kernel command line ("swiotlb=1024", "no_hash_pointers"): init-main.ts checks each against the build's __setup / early_param entries */
  cmdline?: string[];
  /** the swiotlb= option as given (--set's replaces the scenario's): boot() runs the version's setup_io_tlb_npages on it into the three fields below */
  swiotlb_param?: string;
  /**
   * swiotlb=: io_tlb_nslabs (5.6–5.12) / default_nslabs (5.13+) as the version's setup_io_tlb_npages left it (ALIGNed to
   * IO_TLB_SEGSIZE) when swiotlb_slabs_set, and force/noforce, as the version's parser read swiotlb_param
   */
  swiotlb_slabs: number;
  /** swiotlb= began with a slab count (0 included: 5.13+ keep default_nslabs 0; 5.6–5.12 read io_tlb_nslabs 0 as the default) */
  swiotlb_slabs_set?: boolean;
  swiotlb_force: "normal" | "force" | "noforce";
  /** swiotlb=<slabs>,<areas> (6.0+): the areas given, or undefined (then one per possible CPU) */
  swiotlb_nareas?: number;
  /** num_possible_cpus() (1 when unset): 6.0+ swiotlb gives each CPU an area by default */
  nr_cpus?: number;
  /** a restricted-dma-pool reserved-memory region for the run's device (5.15+): its size, and its base (null: placed at boot) */
  restricted_dma_pool?: { size: number; base: number | null };
  CONFIG_DEBUG_VIRTUAL: boolean;
  CONFIG_DMA_API_DEBUG: boolean;
  CONFIG_DMA_API_DEBUG_SG: boolean;
  /** arm64 VA bits: 39 or 48 */
  va_bits: number;
  /** dma_debug num_errors / all_errors */
  dma_debug_all_errors: boolean;
  dma_debug_num_errors: number;
  /** Xen: the hypervisor offers GNTTABOP_cache_flush (xen_mm_init's probe); without it foreign pages bounce */
  xen_cache_flush: boolean;
  /** dma_debug_entries= (0 = PREALLOC_DMA_DEBUG_ENTRIES) */
  dma_debug_entries: number;
  /** IOMMU platforms: iommu.strict= (true: invalidate the IOTLB at every unmap; false: lazy, a flush queue) */
  iommu_strict: boolean;
  /** IOMMU platforms: iommu.passthrough= / iommu=pt (identity domains: dma-direct, no translation) */
  iommu_passthrough: boolean;
  /** iommu.forcedac= (5.13+) */
  iommu_forcedac: boolean;
  /** CONFIG_DEBUG_VM: VM_BUG_ON_PAGE checks (e.g. put_page_testzero on a free page) */
  CONFIG_DEBUG_VM: boolean;
  /** CONFIG_KASAN (generic): double-free / use-after-free reports for slab objects and pages */
  CONFIG_KASAN: boolean;
  /** CONFIG_SLAB_FREELIST_HARDENED: SLUB's set_freepointer BUG_ON(object == fp) */
  CONFIG_SLAB_FREELIST_HARDENED: boolean;
  /** CONFIG_SWIOTLB_DYNAMIC (6.6+, default n): swiotlb grows by new pools and serves a full pool from transient pools */
  CONFIG_SWIOTLB_DYNAMIC?: boolean;
  /** the no_hash_pointers boot option (5.12+, 5ead723a20e0): %p prints the address itself instead of its siphash */
  no_hash_pointers?: boolean;
  /**
   * slub_debug[=<value>] (mm/slub.c setup_slub_debug, src/mm/slub_debug.ts): the text after "slub_debug=", or
   * true for the bare option (full debugging); parsed at boot by the run's version
   */
  slub_debug?: string | true;
  /** trace_options=hash-ptr / nohash-ptr (the tracefs option, 5.12+, a345a6718bd5; on by default, 99e22ce73c59): off → %p in trace events prints as %px */
  trace_hash_ptr?: boolean;
}

export interface Diagnostic {
  id: string;
  message: string;
  step?: number;
  printed: boolean;
}

export interface UserMapping {
  vm_start: number;
  vm_end: number;
  prot: Prot;
  name: string;
}

/** Kernel.sw per kernel version (built once: it is a few hundred properties). */
const switchObjects = new WeakMap<KernelVersion, Readonly<Record<string, boolean>>>();

/** kmemset's source page (allocating a len-byte array per memset costs more than the memset). */
const memsetPage = new Uint8Array(PAGE_SIZE);
let memsetValue = 0;

/** printk log levels used by the modelled code (KERN_CRIT, KERN_ERR, KERN_WARNING, KERN_NOTICE, KERN_INFO). */
export type KernLevel = "crit" | "err" | "warn" | "notice" | "info";

export class Kernel {
  tr: Tracer | undefined;
  readonly faults: FaultRecord[] = [];
  /** Kernel log lines printed at a log level (not WARN splats), in order. */
  readonly klog: { level: KernLevel; message: string; step: number }[] = [];
  readonly diagnostics: Diagnostic[] = [];
  private warnedOnce = new Set<string>();
  /** Index of the scenario step running now (for fault records). */
  step = -1;
  /** Model time in milliseconds (advanced by the msleep op; timers such as the IOVA flush queue's fire on it). */
  now_ms = 0;
  /** Timers (struct timer_list): each fires its timeout() once model time reaches timer_expires (<0: not armed). Objects, not closures, so a cloned model has its own. */
  readonly timers: { timer_expires: number; timeout(k: Kernel): void }[] = [];
  /** kernel/panic.c tainted_mask (TAINT_* bits): set by WARN, oops, bad page; printed by the next report */
  tainted_mask = 0;
  /** kernel/panic.c oops_id (before 5.17: random, then incremented per report) */
  oops_id = 0n;
  /** current: the task the scenario's driver code runs in (printed as %s/%d by KASAN and the watchdog). */
  readonly current = { comm: "scenario", pid: 1000 };

  // machine
  readonly mem: PhysMem;
  readonly cache: Cache;
  // mm (filled by boot)
  memblock!: Memblock;
  /** arm64 with CONFIG_KASAN: what kasan_init took from memblock (arch/arm64/kasan_init.ts) */
  kasan_shadow: KasanInitResult | null = null;
  memmap!: MemMap;
  buddy!: BuddyAllocator;
  pgd!: PageTable;
  vmalloc!: VmallocSpace;
  /** user page table of the scenario's process and its VMAs */
  user_pgd!: PageTable;
  user_vmas: UserMapping[] = [];
  user_mmap_cursor = F64_ZERO; // (an address: F64_ZERO, src/core/u64.ts)
  zone_dma_bits = 24;
  /**
   * kernel/dma/direct.c zone_dma_limit (6.12, ba0fb44aed47): the highest physical address of
   * ZONE_DMA as dma-direct sees it (Infinity: PHYS_ADDR_MAX). Before 6.12 it is
   * DMA_BIT_MASK(zone_dma_bits), kept here in the same form.
   */
  zone_dma_limit = 0xff_ffff + F64_ZERO; // (Infinity or a 32-bit mask in some eras: a double from the start)
  /** zone limits (exclusive end pfns), for describing */
  dma_contiguous_default_area: CmaArea | null = null;
  /** kernel/dma/pool.c pools (5.8+) or the single 5.6 remap.c pool (atomic_pool) */
  atomic_pool_kernel: GenPool | null = null;
  atomic_pool_dma: GenPool | null = null;
  atomic_pool_dma32: GenPool | null = null;
  atomic_pool_size = 0;
  /** kernel/dma/remap.c atomic_pool (5.4–5.7: the single pool before pool.c) */
  atomic_pool: GenPool | null = null;
  /** kmalloc caches */
  slab!: import("./mm/slub.js").Slab;
  /** the slub_debug= boot option as setup_slub_debug parsed it (src/mm/slub_debug.ts), or null */
  slub_debug: import("./mm/slub_debug.js").SlubDebug | null = null;
  /** mm/slub.c kmem_cache_init (5.14+, 792702911f58): slub_debug turned no_hash_pointers on */
  slub_no_hash_pointers = false;
  /** arch/arm coherent pool for the pool_allocator */
  arm_atomic_pool: GenPool | null = null;
  /** kernel/dma/swiotlb.c io_tlb_default_mem: the boot pool (5.6–5.11: the io_tlb_* globals) */
  io_tlb_default_mem: import("./kernel/dma/swiotlb/common.js").IoTlbMem | null = null;
  /**
   * The swiotlb era module this version runs (kernel/dma/swiotlb/index.ts), resolved once here: the
   * streaming paths call its members (swiotlb_tbl_map_single, is_swiotlb_buffer, …) without a
   * per-call version test.
   */
  readonly swiotlb_era: SwiotlbEra;
  swiotlb_force: "normal" | "force" | "noforce" = "normal";
  /** raw_smp_processor_id(): the CPU the current step runs on (a step's `cpu:`; 0 until one says otherwise) */
  cpu = 0;
  /** the restricted-dma-pool region reserved at boot (config restricted_dma_pool), attached to the run's device at probe */
  restricted_dma_pool: import("./kernel/dma/swiotlb/index.js").ReservedMem | null = null;
  /** Xen state (rpi4-xen): P2M rbtree etc. */
  xen: import("./xen/p2m.js").XenState | null = null;
  /** dma-debug state when CONFIG_DMA_API_DEBUG */
  dma_debug: import("./kernel/dma/debug.js").DmaDebug | null = null;
  readonly devices = new Map<string, Device>();
  /** arm32 __dma_alloc buffer list (arm_dma_bufs) */
  arm_dma_bufs: { virt: number; allocator: "cma" | "simple" | "remap" | "pool" }[] = [];
  /** Kernel stack of the current task (for D15 and stack buffers): [start, end) linear addresses */
  task_stack: { start: number; end: number; vmapped: boolean; pfns: number[] } | null = null;
  /** kernel text/rodata (linear alias of the image) */
  kernel_text: { start: number; end: number } | null = null;

  constructor(
    readonly platform: Platform,
    readonly version: KernelVersion,
    readonly cfg: KConfig,
    readonly arch: Arch,
  ) {
    let sw = switchObjects.get(version);
    if (sw === undefined) {
      sw = Object.freeze(Object.fromEntries([...Object.keys(SWITCHES), ...[...version.switches].filter((c) => !(c in SWITCHES))].map((c) => [c, version.switches.has(c)])));
      switchObjects.set(version, sw);
    }
    this.sw = sw; // never written: one object per version serves every boot of it
    this.swiotlb_era = swiotlb_era_for(version.id);
    this.mem = new PhysMem(platform.machineBanks ? platform.machineBanks(cfg.mem) : platform.banks(cfg.mem));
    this.cache = new Cache(this.mem);
    this.cache.transparent = arch.allDmaCoherent;
  }

  /** Does this kernel carry the change introduced by `commit`? (For a commit id that varies at the call site.) */
  has(commit: string): boolean {
    return this.sw[commit] === true;
  }
  /**
   * version.switches as an object with one boolean property per known switch, in the same order for
   * every kernel (one hidden class). Modelled code reads `k.sw["<commit>"]` with a constant key: a
   * property load with its own inline cache at each site. (Through `has`, one shared keyed load saw
   * every switch id and went megamorphic: 33 % of the direct map/unmap pair, 98–117 ns vs 42–52 ns.)
   */
  readonly sw: Readonly<Record<string, boolean>>;

  /** WARN(): recorded, the run goes on. `inlinedInto`: for a static inline in a header, the function its code is in (named when the run keeps no call chain). */
  warn(message: string, pc?: string, at?: string, inlinedInto?: string): void {
    const rec: FaultRecord = { kind: "warn", message, step: this.step };
    if (pc) rec.pc = pc;
    at ??= pc ? warn_site(this, pc) : undefined; // the reporting function's one WARN site in this version's tree
    if (at) rec.at = at;
    const printed = warn_printed(message); // none for a bare WARN_ON(cond)
    rec.report = __warn(this, { ...(printed !== undefined ? { printed } : {}), pc, at, chain: this.tr?.stack, inlinedInto });
    this.faults.push(rec);
    this.tr?.fault("warn", message);
  }

  /** WARN_ONCE / dev_WARN_ONCE / pr_warn_once: only the first time per key. */
  warnOnce(key: string, message: string, pc?: string, at?: string, inlinedInto?: string): void {
    if (this.warnedOnce.has(key)) return;
    this.warnedOnce.add(key);
    this.warn(message, pc, at, inlinedInto);
  }

  /** The guard of the *_once printks (dev_err_once, pr_warn_once): true the first time `key` is seen. */
  firstTime(key: string): boolean {
    if (this.warnedOnce.has(key)) return false;
    this.warnedOnce.add(key);
    return true;
  }

  /** A kernel log line that is not a fault (pr_info, dev_warn without backtrace). */
  log(message: string): void {
    this.tr?.note(message);
  }

  /**
   * printk at a log level (pr_err, dev_warn, dev_info, ...): a kernel log line, kept in `klog`,
   * never a fault record. Only WARN()/dev_WARN*() print a splat (`warn` / `warnOnce`).
   */
  printk(level: KernLevel, message: string): void {
    this.klog.push({ level, message, step: this.step });
    this.tr?.note(`[${level}] ${message}`);
  }

  /** dev_printk: "<driver> <device>: message" as dev_printk_emit prints it. */
  dev_printk(level: KernLevel, dev: { driver: string; name: string }, message: string): void {
    this.printk(level, `${dev.driver} ${dev.name}: ${message}`);
  }

  /**
   * BUG_ON(cond) at a site of src/kernel/warn-sites.ts BUG_SITES: report_bug's "kernel BUG at
   * <file>:<line>!" for this version; `why` (the condition as the model evaluated it) is a trace note.
   */
  BUG_ON(site: string, pc: string, why: string): never {
    const message = `kernel BUG at ${bug_site(this, site)}!`;
    this.tr?.note(why);
    const rec: FaultRecord = { kind: "bug", message, step: this.step, pc };
    this.tr?.fault("bug", message);
    throw new KernelFault(rec);
  }

  /** BUG(): stops the run. */
  BUG(message: string, pc?: string): never {
    const rec: FaultRecord = { kind: "bug", message: `kernel BUG: ${message}`, step: this.step };
    if (pc) rec.pc = pc;
    this.tr?.fault("bug", rec.message);
    throw new KernelFault(rec);
  }

  /** A fatal report with its own text (soft lockup, hang, panic()'s "Kernel panic - not syncing: …"): stops the run. */
  fatal(kind: "soft_lockup" | "hang" | "panic", message: string, pc?: string): never {
    const rec: FaultRecord = { kind, message, step: this.step };
    if (pc) rec.pc = pc;
    this.tr?.fault(kind, message);
    throw new KernelFault(rec);
  }

  /** A non-fatal report printed with a backtrace (bad page state, KASAN): recorded, the run goes on. `lines`: the report's further lines; `addr`: the address it is about. */
  report(kind: "bad_page" | "kasan" | "slub", message: string, pc?: string, more?: { lines?: string[]; addr?: number; report?: string[] }): void {
    const rec: FaultRecord = { kind, message, step: this.step };
    if (pc) rec.pc = pc;
    if (more?.addr !== undefined) rec.addr = this.arch.fmtVa(more.addr);
    if (more?.lines?.length) rec.lines = more.lines;
    if (more?.report?.length) rec.report = more.report;
    this.faults.push(rec);
    this.tr?.fault(kind, message);
    // mm/page_alloc.c bad_page and mm/kasan/report.c end_report (5.6–6.18): add_taint(TAINT_BAD_PAGE, …) — 'B' in later reports
    // (mm/slub.c's reports add it themselves, at their era's point: src/mm/slub_debug.ts)
    if (kind !== "slub") add_taint(this, TAINT_BAD_PAGE);
  }

  /** An oops on a bad kernel memory access (a store when `write`): stops the run. */
  oops(addr: number, pc?: string, write = false): never {
    const rec: FaultRecord = { kind: "oops", message: this.arch.oopsText(this, addr, write), addr: this.arch.fmtVa(addr), step: this.step };
    const more = this.arch.oopsMore?.(this, addr);
    if (more?.length) rec.lines = more;
    if (pc) rec.pc = pc;
    if (this.arch.name === "arm64") rec.report = die_kernel_fault(this, { addr, first: rec.message, pte: more ?? [], pc, chain: this.tr?.stack, write });
    this.tr?.fault("oops", [rec.message, ...(rec.lines ?? [])].join(" / ") + (pc ? ` (pc: ${pc})` : ""));
    throw new KernelFault(rec);
  }

  /** Non-fatal fault records (SIGBUS or SIGSEGV for a user process, bus error for a device). */
  record(kind: "sigbus" | "sigsegv" | "bus_error", message: string, addr?: number): void {
    const rec: FaultRecord = { kind, message, step: this.step };
    if (addr !== undefined) rec.addr = hex(addr);
    this.faults.push(rec);
    this.tr?.fault(kind, message);
  }

  // ---- kernel virtual memory access through swapper_pg_dir ----

  /** Translate a kernel VA for an access, or oops like the MMU would. */
  translate(va: number, pc?: string): { phys: number; prot: Prot } {
    const phys = this.xlate(va, pc);
    return { phys, prot: this.pgd.lastProt };
  }

  /** translate() without the result object: the physical address; the attributes are left in pgd.lastProt. A fault is a store's when `write`. */
  private xlate(va: number, pc?: string, write = false): number {
    // swapper_pg_dir maps the kernel half only: a user-half address in kernel context (a kworker,
    // active_mm = init_mm) has no translation (arm64 TTBR0 / x86 lower half / below ARM32 PAGE_OFFSET)
    if (this.arch.name === "arm" ? va < this.arch.L.PAGE_OFFSET : va >= 0) this.xlateUserHalf(va, pc, write);
    const phys = this.pgd.physOf(va);
    if (phys < 0) this.xlateFault(va, pc, write);
    return this.xen ? this.stage2(phys) : phys;
  }
  // xlate's two oopses, out of line (the translation stays small enough for V8 to inline)
  private xlateUserHalf(va: number, pc: string | undefined, write: boolean): never {
    this.tr?.walk(this.arch.fmtVa(va), "user-half address: no mapping in swapper_pg_dir");
    this.oops(va, pc, write);
  }
  private xlateFault(va: number, pc: string | undefined, write: boolean): never {
    const w = this.pgd.walk(va);
    this.tr?.walk(this.arch.fmtVa(va), isWalkHit(w) ? "mapped" : w.missing);
    this.oops(va, pc, write);
  }

  /** CPU read through a kernel virtual address (cache model for cacheable aliases). */
  kread(va: number, len: number, pc?: string): Uint8Array {
    return this.kreadInto(va, len, new Uint8Array(len), pc);
  }

  /** kread into out[0 .. len) (out.length ≥ len; a caller that reads often passes a reused array); returns out. */
  kreadInto(va: number, len: number, out: Uint8Array, pc?: string): Uint8Array {
    let done = 0;
    while (done < len) {
      const a = va + done;
      const n = Math.min(len - done, PAGE_SIZE - offset_in_page(a));
      const phys = this.xlate(a, pc);
      const prot = this.pgd.lastProt;
      if (!this.mem.isRam(phys)) this.oops(a, pc);
      if (prot !== "normal") this.mem.read(phys, n, out, done);
      else if (this.cache.transparent) this.mem.read(phys, n, out, done);
      else this.cache.cpuReadInto(phys, n, out, done);
      done += n;
    }
    return out;
  }

  /**
   * kwrite's one-page memo (dmasim's, for speed; results are the same): the kernel page last written
   * straight to RAM — a transparent cache (every master snoops: a cacheable store is a store to RAM)
   * and no Xen stage 2 —, its physical address and its RAM frame. Valid while the page tables
   * (pgd.gen) and the frames (mem.gen) are unchanged: then a walk would give the same page, which is
   * RAM and in the kernel half, and the frame is still the pfn's. A write within that page (a stamp,
   * a descriptor) goes to the frame without the walk, the RAM check and the frame lookup, whose
   * objects a bounced map/unmap pair's 4 KiB copies had pushed out of the CPU's near caches.
   */
  private kwVa = Infinity;
  private kwPhys = F64_ZERO;
  private kwFrame: Uint8Array | null = null;
  private kwPgdGen = -1;
  private kwMemGen = -1;

  /** CPU write through a kernel virtual address. */
  kwrite(va: number, data: Uint8Array, pc?: string): void {
    const len = data.length;
    const o = va - this.kwVa;
    if (o >= 0 && o + len <= PAGE_SIZE && this.kwPgdGen === this.pgd.gen && this.kwMemGen === this.mem.gen) {
      this.mem.writeIn(this.kwFrame!, this.kwPhys + o, o, data);
      return;
    }
    if (len > 0 && len <= PAGE_SIZE - offset_in_page(va)) {
      // within one page (the common case): the loop's first and only round, without its bookkeeping
      const phys = this.xlate(va, pc, true);
      const prot = this.pgd.lastProt;
      if (!this.mem.isRam(phys)) this.oops(va, pc, true);
      if (prot === "normal") this.cache.cpuWrite(phys, data);
      else this.mem.write(phys, data);
      if (this.cache.transparent && this.xen === null) this.kwMemo(va, phys);
      return;
    }
    this.kwriteSpan(va, data, pc);
  }

  /** kwrite's memo of the page of `va` (translated to `phys`, RAM), out of line */
  private kwMemo(va: number, phys: number): void {
    const o = offset_in_page(va);
    this.kwVa = va - o;
    this.kwPhys = phys - o;
    this.kwFrame = this.mem.frameOf(Math.floor(phys / PAGE_SIZE));
    this.kwPgdGen = this.pgd.gen;
    this.kwMemGen = this.mem.gen;
  }

  /** kwrite across pages (out of line: the one-page case stays small enough for V8 to inline) */
  private kwriteSpan(va: number, data: Uint8Array, pc?: string): void {
    let done = 0;
    while (done < data.length) {
      const a = va + done;
      const n = Math.min(data.length - done, PAGE_SIZE - offset_in_page(a));
      const phys = this.xlate(a, pc, true);
      const prot = this.pgd.lastProt;
      if (!this.mem.isRam(phys)) this.oops(a, pc, true);
      const chunk = n === data.length ? data : data.subarray(done, done + n);
      if (prot === "normal") this.cache.cpuWrite(phys, chunk);
      else this.mem.write(phys, chunk);
      done += n;
    }
  }

  /** memset through a kernel virtual address (a page at a time, from one reused page of the byte). */
  kmemset(va: number, value: number, len: number, pc?: string): void {
    if (memsetValue !== value) {
      memsetPage.fill(value);
      memsetValue = value;
    }
    let done = 0;
    while (done < len) {
      const a = va + done;
      const n = Math.min(len - done, PAGE_SIZE - offset_in_page(a));
      this.kwrite(a, n === PAGE_SIZE ? memsetPage : memsetPage.subarray(0, n), pc);
      done += n;
    }
  }

  // ---- struct page access ----

  /**
   * Dereference a struct page pointer (read its flags word). The pointer must translate through
   * the kernel page tables (vmemmap / mem_map), else the kernel oopses at that address.
   * Returns the pfn the record describes, or null if it is mapped memory that holds no record.
   */
  page_deref(page: number, pc?: string): number | null {
    this.translate(page, pc);
    const pfn = this.arch.page_to_pfn(page);
    return this.memmap.has(pfn) ? pfn : null;
  }

  /** TestClearPageXenRemapped(page) (include/xen/page.h → PG_owner_priv_1 test_and_clear_bit) */
  TestClearPageFlag(page: number, flag: number, pc?: string): boolean {
    const pfn = this.page_deref(page, pc);
    if (pfn === null) return false;
    return this.memmap.testClearFlag(pfn, flag);
  }

  /** SetPageFlag(page) */
  SetPageFlag(page: number, flag: number, pc?: string): void {
    const pfn = this.page_deref(page, pc);
    if (pfn !== null) this.memmap.setFlag(pfn, flag);
  }

  /** pfn_valid (memblock_is_map_memory for arm/arm64; present sections elsewhere): the kernel's own RAM. */
  pfn_valid(pfn: number): boolean {
    let r = this.ramPfns;
    if (r === null) {
      // memblock.memory as [start_pfn, end_pfn) pairs, built once (it does not change after boot)
      r = this.ramPfns = new Float64Array(this.memblock.memory.flatMap((b) => [b.start / PAGE_SIZE, (b.start + b.size) / PAGE_SIZE]));
    }
    for (let i = 0; i < r.length; i += 2) if (pfn >= r[i]! && pfn < r[i + 1]!) return true;
    return false;
  }
  private ramPfns: Float64Array | null = null;

  /**
   * Xen stage 2: the machine address behind an intermediate physical address. The identity for a
   * 1:1 dom0, except the frames where a foreign (grant-mapped) page is mapped.
   */
  stage2(phys: number): number {
    const x = this.xen;
    if (!x) return phys;
    if (x.p2m) {
      // x86 PV: the guest's PTEs hold machine frames (xen_make_pte does pfn_to_mfn: the pfn itself for an identity frame —
      // beyond the P2M, or an e820 hole, which 5.6–5.18 map 1:1 and 5.19+ leave unmapped in the linear map)
      const pfn = Math.floor(phys / PAGE_SIZE);
      return x.p2m.identity(pfn) ? phys : x.p2m.get(pfn) * PAGE_SIZE + (phys - pfn * PAGE_SIZE);
    }
    if (x.stage2.size === 0) return phys;
    const pfn = Math.floor(phys / PAGE_SIZE);
    const mfn = x.stage2.get(pfn);
    return mfn === undefined ? phys : mfn * PAGE_SIZE + (phys - pfn * PAGE_SIZE);
  }

  page_to_phys(page: number): number {
    // PAGE_SIZE as a literal: the module constant is a `var` V8 loads and checks at each use
    return this.arch.page_to_pfn(page) * 4096;
  }

  /** Describe what a pfn is (for results): RAM and who owns it, or not RAM. */
  describePfn(pfn: number): string {
    const phys = pfn * PAGE_SIZE;
    if (!this.mem.isRam(phys)) return `pfn ${hex(pfn)} (phys ${hex(phys)}) is not RAM`;
    const mb = this.memblock.owner(phys);
    return `pfn ${hex(pfn)} (phys ${hex(phys)}) is RAM: ${mb ? `reserved for ${mb}` : this.memmap.describe(pfn)}`;
  }
}
