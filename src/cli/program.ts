/**
 * The `dmasim` command line (commander). `main(argv)` returns the exit code:
 *   0  ran, and every expectation held
 *   1  ran, and an expectation failed or an unexpected fault happened
 *   2  bad input or usage: exactly one line on stderr, never a stack trace
 *   3  internal error (a dmasim bug): one line on stderr (DMASIM_DEBUG=1 adds the stack)
 *
 * This module imports only commander and small modules (faults, the version table, option
 * parsing, output streams): every command imports its implementation, and the engine, in its
 * action, so `--version`, `--help` and usage errors load little (bin/dmasim.mjs → dist/dmasim.mjs,
 * which imports this module's chunk; the engine's chunks load on demand).
 */
import { packageVersion } from "./root.js";
import { parseSets } from "../scenario/sets.js";
import { registerBench, registerFuzz } from "./bench.js";
import { Command, CommanderError, Help, Option } from "commander";
import { InputError, OptionError } from "../core/faults.js";
import { MATRIX_FORMATS, type MatrixFormat } from "../format/matrix-formats.js";
import type { Scenario } from "../scenario/types.js";
import { colorsFor, escapingStream, rawStream } from "./io.js";
import { Progress } from "./progress.js";
import { KERNEL_HELP, KERNEL_IDS } from "./kernel-help.js";

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERNAL = 3;

/** Where the CLI writes; tests may swap these. */
export interface Io {
  out: NodeJS.WriteStream;
  err: NodeJS.WriteStream;
  env: NodeJS.ProcessEnv;
}

function collect(v: string, prev: string[]): string[] {
  return [...prev, v];
}

/** --set k=v ... → { k: v } */
export const parseSetArgs = parseSets;

function list(v: string): string[] {
  return v
    .split(",")
    .map((x) => x.trim())
    .filter(Boolean);
}

/** Check platform ids against the modelled list (one clear line naming `option`, instead of a matrix of errors). */
async function checkPlatforms(ids: string[], option: string): Promise<void> {
  const { resolvePlatform } = await import("../scenario/config.js");
  for (const id of ids) resolvePlatform(id, option);
}

async function checkKernels(ids: string[], option?: string): Promise<void> {
  const { resolveKernel } = await import("../scenario/config.js");
  for (const id of ids) resolveKernel(id, option);
}

/** An engine InputError carries the step's line/col but not the file: add it. */
function withFile(e: InputError, file: string | undefined): InputError {
  if (!file || e.where?.file || e.where?.line === undefined) return e;
  return new InputError(e.message, { ...e.where, file });
}

function writeLine(stream: NodeJS.WriteStream, s: string): void {
  stream.write(s.endsWith("\n") ? s : s + "\n");
}

/** Until a stream that refused a write has drained (or closed, or failed). */
function drained(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      stream.off("drain", done);
      stream.off("close", done);
      stream.off("error", done);
      resolve();
    };
    stream.on("drain", done);
    stream.on("close", done);
    stream.on("error", done);
  });
}

/** Collapse a usage message (commander's, possibly with a suggestion on a second line) to one line. */
function oneLine(s: string): string {
  return s
    .replace(/^error:\s*/i, "")
    .split("\n")
    .map((x) => x.trim())
    .filter(Boolean)
    .join(" ")
    .replace("(Did you mean", "(did you mean");
}

/**
 * An option's help line as commander writes it, with defaults as a user types them: `(default: 20)`,
 * not `(default: "20")` (options parse their text themselves, so their defaults are strings), and
 * no `(default: [])` after a repeatable option.
 */
function optionDescription(this: Help, option: Option): string {
  return Help.prototype.optionDescription
    .call(this, option)
    .replace(/ ?\(default: \[\]\)/, "")
    .replace(/\(default: "(-?[0-9][0-9.]*)"\)/, "(default: $1)")
    .replace(/, default: "(-?[0-9][0-9.]*)"\)/, ", default: $1)");
}

/** Build the program; actions store their exit code in `state.code`. */
export function buildProgram(io: Io, state: { code: number }): Command {
  const program = new Command("dmasim");
  program
    .description("An executable model of the Linux kernel's DMA-mapping layer, per kernel version and platform")
    .version(packageVersion(), "-V, --version", "print the dmasim version")
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.out.write(s),
      writeErr: (s) => io.err.write(s),
      outputError: () => {
        /* printed by main(), condensed to one line */
      },
    })
    .showSuggestionAfterError(true)
    .configureHelp({ optionDescription })
    .allowExcessArguments(false);

  program
    .command("run")
    .description("run one scenario file and print each step, its results, faults, diagnostics and the verdict")
    .argument("<file>", "scenario file (YAML or JSON); - reads standard input")
    .option("--platform <id>", "platform (overrides the scenario's; without either: rpi4; `dmasim platforms` lists them)")
    .option("--kernel <version>", `${KERNEL_HELP.replace(/ \(default: (.*)\)$/, " (overrides the scenario's; without either: $1)")}`)
    .option("--set <key=value>", "boot/Kconfig option, repeatable (mem, cma, swiotlb, CONFIG_DEBUG_VIRTUAL, ...)", collect, [] as string[])
    .option("--json", "print the run result as one JSON object")
    .option("--trace", "print each step's call trace")
    .option("--trace-events", "print the tracepoints each step fires (events/dma from 6.12, events/swiotlb's swiotlb_bounced in every version), as that version's ftrace trace file shows them")
    .option("--boot-log", "print the kernel's messages from boot first (swiotlb's pool, CMA, the atomic pools, unknown command-line parameters …); --json always has them, in log at step -1")
    .action(async (file: string, opts: { platform?: string; kernel?: string; set: string[]; json?: boolean; trace?: boolean; traceEvents?: boolean; bootLog?: boolean }) => {
      const set = parseSetArgs(opts.set);
      if (opts.platform !== undefined) await checkPlatforms([opts.platform], "--platform");
      if (opts.kernel !== undefined) await checkKernels([opts.kernel], "--kernel");
      const { loadScenarioFile } = await import("./load.js");
      const s = loadScenarioFile(file);
      const { runScenario } = await import("../scenario/runner.js");
      let r;
      try {
        r = runScenario(s, { ...(opts.platform ? { platform: opts.platform } : {}), ...(opts.kernel ? { kernel: opts.kernel } : {}), ...(set ? { set } : {}), ...(opts.trace || opts.traceEvents ? { trace: true } : {}) });
      } catch (e) {
        throw e instanceof InputError ? withFile(e, s.file ?? file) : e;
      }
      if (opts.json) {
        // in pieces of about 1 MiB: a 100,000-step run's JSON never exists as one string; a pipe
        // that is full is waited for (its queue would otherwise hold the whole output)
        const { toJsonChunks } = await import("../format/json.js");
        let part = "";
        for (const c of toJsonChunks(r)) {
          part += c;
          if (part.length >= 1 << 20) {
            if (!io.out.write(part)) await drained(io.out);
            part = "";
          }
        }
        writeLine(io.out, part);
      } else {
        const { renderRunText } = await import("../format/run.js");
        writeLine(io.out, renderRunText(r, { colors: await colorsFor(io.out), trace: !!opts.trace, ftrace: !!opts.traceEvents, bootLog: !!opts.bootLog }));
      }
      state.code = r.ok ? EXIT_OK : EXIT_FAILED;
    });

  program
    .command("matrix")
    .description("run scenario files on every platform × kernel: verdict, first failure, kind of the first allocation's address")
    .argument("<files...>", "scenario files or directories (searched recursively); - reads standard input")
    .option("--platforms <a,b>", "platforms (default: all)", list)
    .option("--kernels <x,y>", `kernel versions, comma-separated: ${KERNEL_IDS} (default: all)`, list)
    .option("--set <key=value>", "boot/Kconfig option for every run, repeatable", collect, [] as string[])
    .addOption(new Option("--format <format>", "output format").choices(MATRIX_FORMATS as string[]).default("table"))
    .option("--json", "print the matrix as one JSON object (same as --format json)")
    .option("--jobs <n>", "worker threads (default: 1 for small matrices, else one per core)")
    .action(async (files: string[], opts: { platforms?: string[]; kernels?: string[]; set: string[]; format: MatrixFormat; json?: boolean; jobs?: string }) => {
      // before the engine is loaded; V8's flags are process-wide, so the workers get them too
      const { MATRIX_V8_FLAGS } = await import("./matrix-run.js");
      (await import("node:v8")).setFlagsFromString(MATRIX_V8_FLAGS);
      const jobs = await jobsOption(opts.jobs);
      const set = parseSetArgs(opts.set);
      const { PLATFORMS } = await import("../platforms/index.js");
      const { VERSIONS } = await import("../versions.js");
      const platforms = opts.platforms ?? PLATFORMS.map((p) => p.id);
      const kernels = opts.kernels ?? VERSIONS.map((v) => v.id);
      if (platforms.length === 0) throw new InputError("--platforms: no platform given");
      if (kernels.length === 0) throw new InputError("--kernels: no kernel given");
      await checkPlatforms(platforms, "--platforms");
      await checkKernels(kernels, "--kernels");
      const { expandScenarioArgs, loadScenarioFile, STDIN_ARG } = await import("./load.js");
      if (files.filter((f) => f === STDIN_ARG).length > 1) throw new InputError("matrix: standard input (-) can be given once");
      const scenarios = expandScenarioArgs(files).map(loadScenarioFile);
      const code = await matrixCommand(io, scenarios, platforms, kernels, set, opts.json ? "json" : opts.format, jobs);
      state.code = code;
    });

  program
    .command("explain")
    .description("the call path an operation takes: kernel functions, the decision at each branch and why, the kind of address returned")
    .argument("<op>", "DMA API operation, e.g. dma_alloc_coherent")
    .requiredOption("--platform <id>", "platform (required; `dmasim platforms` lists them)")
    .option("--kernel <version>", KERNEL_HELP)
    .option("--size <n>", "size (decimal, 0x hex, K/M/G suffix)")
    .option("--gfp <flags>", "gfp flags, e.g. GFP_ATOMIC")
    .option("--attrs <attrs>", "DMA attributes, e.g. DMA_ATTR_NO_KERNEL_MAPPING")
    .option("--dir <dir>", "DMA direction of a map, unmap or sync, or of dma_alloc_pages/_noncoherent, e.g. DMA_TO_DEVICE (default: DMA_BIDIRECTIONAL)")
    .option("--device <name>", "device (default: the platform's default device)")
    .option("--set <key=value>", "boot/Kconfig option, repeatable", collect, [] as string[])
    .option("--json", "print the explanation as JSON")
    .action(async (op: string, opts: { platform: string; kernel?: string; size?: string; gfp?: string; attrs?: string; dir?: string; device?: string; set: string[]; json?: boolean }) => {
      const { isOp, OPS } = await import("../scenario/schema.js");
      const { opHint } = await import("../scenario/suggest.js");
      if (!isOp(op)) throw new InputError(`unknown op '${op}'${opHint(op, OPS)}`);
      await checkPlatforms([opts.platform], "--platform");
      const { DEFAULT_KERNEL } = await import("../versions.js");
      const kernel = opts.kernel ?? DEFAULT_KERNEL;
      await checkKernels([kernel], "--kernel");
      const eo: { platform: string; kernel: string; size?: number; gfp?: number; attrs?: number; dir?: number; device?: string; set?: Record<string, string> } = { platform: opts.platform, kernel };
      const conv = <T>(flag: string, f: () => T, message: (e: unknown) => string = (e) => (e as Error).message): T => {
        try {
          return f();
        } catch (e) {
          throw new InputError(`${flag}: ${message(e)}`);
        }
      };
      if (opts.size !== undefined) {
        // the scenario schema's bounds for an allocation size (the set-up steps allocate `size` bytes): 0 is an input error, as in `run`
        const { checkNum, MAX_SIZE } = await import("../scenario/schema.js");
        const v = checkNum(opts.size, { min: 1n, max: MAX_SIZE, tooSmall: "an allocation needs at least 1 byte" });
        if (typeof v === "string") throw new InputError(`--size: ${v}`);
        eo.size = Number(v);
      }
      const { flagMessage } = await import("../scenario/suggest.js");
      const { parseAttrs, parseDir, parseGfp } = await import("../include/gfp.js");
      if (opts.gfp !== undefined) eo.gfp = conv("--gfp", () => parseGfp(opts.gfp!, kernel), (e) => flagMessage(e, "gfp"));
      if (opts.attrs !== undefined) eo.attrs = conv("--attrs", () => parseAttrs(opts.attrs!), (e) => flagMessage(e, "attrs"));
      if (opts.dir !== undefined) eo.dir = conv("--dir", () => parseDir(opts.dir!));
      if (opts.device !== undefined) {
        const { resolveDevice, resolvePlatform } = await import("../scenario/config.js");
        try {
          resolveDevice(resolvePlatform(opts.platform), opts.device);
        } catch (e) {
          throw e instanceof InputError ? new OptionError(`--device: ${e.message.replace(/^device: /, "")}`) : e;
        }
        eo.device = opts.device;
      }
      const set = parseSetArgs(opts.set);
      if (set) eo.set = set;
      const { explain } = await import("../explain.js");
      let e;
      try {
        e = explain(op, eo);
      } catch (err) {
        // the library names its options without dashes ("kernel: dma_map_phys is not in Linux 6.12 ..."): here they are flags
        if (err instanceof OptionError && /^(kernel|attrs|gfp|size|dir): /.test(err.message)) throw new OptionError(`--${err.message}`);
        throw err;
      }
      if (opts.json) {
        const { toJson } = await import("../format/json.js");
        writeLine(io.out, toJson(e));
      } else {
        const { renderExplain } = await import("../format/explain.js");
        writeLine(io.out, renderExplain(e, await colorsFor(io.out)));
      }
      // explain expects the operation to succeed: an oops, BUG, panic, SIGBUS or bus error is unexpected
      state.code = e.faults.some((f) => f.kind !== "warn") ? EXIT_FAILED : EXIT_OK;
    });

  program
    .command("platforms")
    .description("list the modelled platforms and their devices")
    .option("--json", "print the platforms as one JSON object")
    .action(async (opts: { json?: boolean }) => {
      const { PLATFORMS } = await import("../platforms/index.js");
      const { renderPlatforms, platformsJson } = await import("../format/lists.js");
      if (opts.json) {
        const { toJson } = await import("../format/json.js");
        writeLine(io.out, toJson(platformsJson(PLATFORMS)));
      } else writeLine(io.out, renderPlatforms(PLATFORMS, await colorsFor(io.out)));
    });

  program
    .command("kernels")
    .description("list the modelled kernel versions (tree, notes) and every modelled change by subsystem (commit, release, effect, stable backports); with a version, what changed since the previous one")
    .argument("[version]", `one kernel version (${KERNEL_IDS})`)
    .option("--json", "print the versions and switches as one JSON object")
    .action(async (id: string | undefined, opts: { json?: boolean }) => {
      const { VERSIONS, SWITCHES, DEFAULT_KERNEL, findVersion } = await import("../versions.js");
      const lists = await import("../format/lists.js");
      const { toJson } = await import("../format/json.js");
      if (id !== undefined) {
        await checkKernels([id]);
        const v = findVersion(id)!;
        writeLine(io.out, opts.json ? toJson(lists.kernelJson(VERSIONS, SWITCHES, DEFAULT_KERNEL, v)) : lists.renderKernel(VERSIONS, SWITCHES, DEFAULT_KERNEL, v, await colorsFor(io.out)));
      } else writeLine(io.out, opts.json ? toJson(lists.kernelsJson(VERSIONS, SWITCHES, DEFAULT_KERNEL)) : lists.renderKernels(VERSIONS, SWITCHES, DEFAULT_KERNEL, await colorsFor(io.out)));
    });

  program
    .command("schema")
    .description("print the scenario file JSON Schema")
    .option("--json", "accepted for uniformity: the schema is always JSON")
    .action(async () => {
      const { scenarioJsonSchema } = await import("../scenario/schema.js");
      writeLine(io.out, JSON.stringify(scenarioJsonSchema(), null, 2));
    });

  program
    .command("headline")
    .description("the seed thread's scenarios (scenarios/seed-*) over every platform × kernel, with a legend (what `npm start` runs)")
    .addOption(new Option("--format <format>", "output format").choices(MATRIX_FORMATS as string[]).default("table"))
    .option("--json", "print the matrices and the legend as one JSON object (same as --format json)")
    .option("--jobs <n>", "worker threads (default: 1 for small matrices, else one per core)")
    .action(async (opts: { format: MatrixFormat; json?: boolean; jobs?: string }) => {
      // as for `matrix`: the headline is a matrix too (0.64–0.76 -> 0.51–0.53 s of CPU)
      const { MATRIX_V8_FLAGS } = await import("./matrix-run.js");
      (await import("node:v8")).setFlagsFromString(MATRIX_V8_FLAGS);
      const format: MatrixFormat = opts.json ? "json" : opts.format;
      const jobs = await jobsOption(opts.jobs);
      const { SCENARIOS_DIR, scenarioFilesIn, loadScenarioFile } = await import("./load.js");
      const files = scenarioFilesIn(SCENARIOS_DIR, /^seed-/);
      if (files.length === 0) throw new InputError(`no seed scenarios (seed-*.yaml) in ${SCENARIOS_DIR}`);
      // named relative to the working directory, so the suggested next command runs as printed
      const { relative } = await import("node:path");
      const scenarios = files.map((f) => loadScenarioFile(relative(process.cwd(), f) || f));
      const { PLATFORMS } = await import("../platforms/index.js");
      const { VERSIONS } = await import("../versions.js");
      const kernels = VERSIONS.map((v) => v.id);
      const progress = new Progress(rawStream(io.err));
      const variantsToRun = HEADLINE_VARIANTS.filter((v) => PLATFORMS.some((p) => p.id === v.platform));
      const total = scenarios.length * kernels.length * (PLATFORMS.length + variantsToRun.length) + kernels.length * 5;
      let before = 0;
      const run = (sc: Scenario[], platforms: string[], set: Record<string, string> | undefined, label?: string) =>
        computeMatrix(io, sc, platforms, kernels, set, { jobs, progress, offset: () => before, grandTotal: total, label, verb: "headline" });
      const m = await run(scenarios, PLATFORMS.map((p) => p.id), undefined);
      before = m.cells.length;
      // Extra configurations the thread asked about: 32-bit ARM without CMA (the remap allocator).
      const variants = [];
      for (const v of variantsToRun) {
        const vm = await run(scenarios, [v.platform], v.set, v.label);
        before += vm.cells.length;
        variants.push({ label: v.label, matrix: vm });
      }
      // "Could this happen natively?": a driver's own virt_to_phys mmap behind an IOMMU, and without one.
      const { join } = await import("node:path");
      const nativeFile = join(SCENARIOS_DIR, "iommu", "native-virt-to-phys.yaml");
      const nativeScenario = [loadScenarioFile(relative(process.cwd(), nativeFile) || nativeFile)];
      const nativePlatforms = ["arm64-smmu", "x86_64-iommu", "arm64-coherent", "x86_64"].filter((id) => PLATFORMS.some((p) => p.id === id));
      const native = {
        matrix: await run(nativeScenario, nativePlatforms, undefined, "natively"),
        passthrough: await run(nativeScenario, nativePlatforms.filter((id) => id.endsWith("-smmu")), { "iommu.passthrough": "1" }, "iommu.passthrough=1"),
      };
      progress.done();
      const { renderHeadline, headlineJson } = await import("../format/headline.js");
      if (format === "json") {
        const { toJson } = await import("../format/json.js");
        writeLine(io.out, toJson(headlineJson(m, PLATFORMS, variants, native)));
      } else writeLine(io.out, renderHeadline(m, PLATFORMS, format, await colorsFor(io.out), variants, native));
      // The headline shows the bugs: failing cells are its content, not an error of the command.
      const all = [m, ...variants.map((v) => v.matrix)];
      state.code = all.some((x) => x.counts.CRASH > 0) ? EXIT_INTERNAL : all.some((x) => x.counts.ERROR > 0) ? EXIT_USAGE : EXIT_OK;
    });

  program
    .command("serve")
    .description("serve the web page (step through scenarios, compare platforms and kernels) on 127.0.0.1 until killed")
    .option("--port <n>", "TCP port on 127.0.0.1 (0 picks a free one)", "8089")
    .action(async (opts: { port: string }) => {
      const { serveCommand } = await import("./serve.js");
      state.code = await serveCommand(io, opts.port);
    });

  registerBench(program, io, state);
  registerFuzz(program, io, state);
  return program;
}

/** Configurations the headline's legend runs besides the defaults. */
const HEADLINE_VARIANTS: { label: string; platform: string; set: Record<string, string> }[] = [{ label: "arm32 cma=0", platform: "arm32", set: { cma: "0" } }];

/** --jobs: a whole number of worker threads (undefined: the matrix's size decides). */
async function jobsOption(v: string | undefined): Promise<number | undefined> {
  if (v === undefined) return undefined;
  const { parseJobs, cores } = await import("./workers.js");
  const j = parseJobs(v);
  if (j === "auto") return cores();
  if (j === undefined || Number.isNaN(j)) throw new InputError(`--jobs: '${v}' is not a number of worker threads (1..256 or auto)`);
  return j;
}

interface ComputeOptions {
  jobs?: number;
  /** the progress line (stderr, on a terminal only) */
  progress?: Progress;
  /** `offset()` and `grandTotal` place this matrix within a longer job (the headline runs several) */
  offset?: () => number;
  grandTotal?: number;
  label?: string;
  verb?: string;
}

/** Run a matrix (over worker threads when `jobs` > 1), showing progress on stderr when it is a terminal. */
async function computeMatrix(io: Io, scenarios: Scenario[], platforms: string[], kernels: string[], set: Record<string, string> | undefined, o: ComputeOptions = {}) {
  const { runMatrixJobs, defaultJobs } = await import("./matrix-run.js");
  const progress = o.progress ?? new Progress(rawStream(io.err));
  const offset = o.offset ?? (() => 0);
  const verb = o.verb ?? "matrix";
  const m = await runMatrixJobs(scenarios, platforms, kernels, set, o.jobs ?? defaultJobs(scenarios.length * platforms.length * kernels.length), {
    onCell: progress.enabled
      ? (done, total, cell) => progress.update(`${verb} [${offset() + done}/${o.grandTotal ?? total}] ${o.label ? `${o.label}: ` : ""}${cell.platform} ${cell.kernel} ${cell.scenario}`, done === total)
      : undefined,
  });
  if (o.grandTotal === undefined) progress.done();
  return m;
}

async function matrixCommand(io: Io, scenarios: Scenario[], platforms: string[], kernels: string[], set: Record<string, string> | undefined, format: MatrixFormat, jobs?: number): Promise<number> {
  const m = await computeMatrix(io, scenarios, platforms, kernels, set, { jobs });
  const { renderMatrix } = await import("../format/matrix.js");
  writeLine(io.out, renderMatrix(m, format, await colorsFor(io.out), io.out.isTTY && io.out.columns ? io.out.columns : 100));
  if (m.counts.CRASH > 0) {
    const c = m.cells.find((x) => x.verdict === "CRASH")!;
    writeLine(io.err, `dmasim: ${m.counts.CRASH} run(s) crashed, first on ${c.platform} ${c.kernel}: ${c.error}`);
    return EXIT_INTERNAL;
  }
  if (m.counts.ERROR > 0) {
    const c = m.cells.find((x) => x.verdict === "ERROR")!;
    writeLine(io.err, `dmasim: ${m.counts.ERROR} run(s) refused, first on ${c.platform} ${c.kernel}: ${c.error}`);
    return EXIT_USAGE;
  }
  if (m.cells.length > 0 && m.counts["N/A"] === m.cells.length) {
    // name the kernels too, and why the first cell does not apply (a kernel that lacks an op is as likely as a platform)
    const why = m.cells[0]!.not_applicable;
    writeLine(io.err, `dmasim: no scenario applies to the selected platforms (${m.platforms.join(", ")}) and kernels (${m.kernels.join(", ")})${why ? `; first: ${why}` : ""}`);
    return EXIT_USAGE;
  }
  // N/A cells do not fail the run: the verdict is that of the cells that apply
  return m.counts.FAIL + m.counts.FAULT > 0 ? EXIT_FAILED : EXIT_OK;
}

/** Run the CLI with `args` (without node and script). Never throws; returns the exit code. */
export async function main(args: string[], rawIo: Io = { out: process.stdout, err: process.stderr, env: process.env }): Promise<number> {
  // every message leaves through these: control characters in scenario text or names are escaped
  const io: Io = { out: escapingStream(rawIo.out, rawIo.env), err: escapingStream(rawIo.err, rawIo.env), env: rawIo.env };
  const state = { code: EXIT_OK };
  if (args.length === 0) {
    writeLine(io.err, "dmasim: missing command (run, matrix, explain, platforms, kernels, bench, fuzz, serve, schema, headline; see dmasim --help)");
    return EXIT_USAGE;
  }
  const program = buildProgram(io, state);
  try {
    await program.parseAsync(args, { from: "user" });
    return state.code;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.exitCode === 0 || e.code === "commander.helpDisplayed" || e.code === "commander.version") return EXIT_OK;
      // an unknown command commander finds nothing near: the command a newcomer meant, else the list
      let hint = "";
      if (e.code === "commander.unknownCommand" && !/Did you mean/i.test(e.message)) {
        const word = args.find((a) => !a.startsWith("-"))?.toLowerCase() ?? "";
        const MEANT: Record<string, string> = { web: "serve", ui: "serve", gui: "serve", page: "serve", server: "serve", http: "serve", browser: "serve", trace: "run --trace", test: "run", version: "--version", versions: "kernels", boards: "platforms", devices: "platforms", list: "platforms / kernels" };
        const cmds = program.commands.map((c) => c.name()).filter((n) => n !== "help");
        hint = MEANT[word] ? ` (did you mean dmasim ${MEANT[word]}?)` : ` (commands: ${cmds.join(", ")})`;
      }
      writeLine(io.err, `dmasim: ${oneLine(e.message)}${hint}`);
      return EXIT_USAGE;
    }
    if (e instanceof InputError) {
      const located = e.where?.file !== undefined || e.where?.line !== undefined;
      writeLine(io.err, located ? oneLine(e.format()) : `dmasim: ${oneLine(e.message)}`);
      return EXIT_USAGE;
    }
    const err = e as Error;
    writeLine(io.err, `dmasim: internal error: ${oneLine(err?.message ?? String(e))}`);
    if (io.env.DMASIM_DEBUG) io.err.write(`${err?.stack ?? ""}\n`);
    return EXIT_INTERNAL;
  }
}
