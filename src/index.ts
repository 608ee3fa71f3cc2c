/**
 * dmasim's library API: run scenarios, explain operations, boot a model and drive the kernel's
 * DMA API directly. The engine imports neither node:* nor the DOM.
 */
export { runScenario, addr_kind } from "./scenario/runner.js";
export { parseScenarioText } from "./scenario/parse.js";
export { explain, type ExplainOptions, type ExplainResult } from "./explain.js";
export { runMatrix, type MatrixResult, type MatrixCell, type MatrixOptions, type CellFailure, type Verdict } from "./matrix.js";
export { boot } from "./init.js";
export { buildConfig, resolveKernel, resolvePlatform } from "./scenario/config.js";
export { PLATFORMS, findPlatform } from "./platforms/index.js";
export type { Platform, DeviceRole } from "./platforms/platform.js";
export { VERSIONS, SWITCHES, DEFAULT_KERNEL, findVersion, type KernelVersion, type Switch } from "./versions.js";
export { Tracer, renderTrace, type TraceEvent } from "./core/trace.js";
export { InputError, OptionError, KernelFault, type FaultRecord, type FaultKind } from "./core/faults.js";
export * as dma from "./kernel/dma/mapping.js";
export type { Scenario, Step, StepExpect, DataSpec, AddrKind, RunOptions, RunResult, StepResult, ExpectationResult, DiagnosticResult } from "./scenario/types.js";
export type { Kernel, KConfig } from "./kernel.js";
export { hex64, parseU64, DMA_MAPPING_ERROR } from "./core/u64.js";
