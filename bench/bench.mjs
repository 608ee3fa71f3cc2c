#!/usr/bin/env node
// `npm run bench`: bundle the suite (bench/run.ts and the engine) with esbuild into bench/.build/
// and run it as plain JavaScript. Under tsx every imported binding becomes a getter call, which
// costs real time in hot paths and distorts nanosecond figures; the bundle has no such layer.
// Arguments are passed on (e.g. `npm run bench -- --json`); `--build-only` stops after bundling.
import { build } from "esbuild";
import { suiteBuildOptions } from "./esbuild-options.mjs";
import { fileURLToPath } from "node:url";

const here = fileURLToPath(new URL(".", import.meta.url));
await build(suiteBuildOptions(here + ".build"));
// `--build-only`: just the bundles (e.g. for bench/.build/pairs-cpu.mjs)
if (!process.argv.includes("--build-only")) await import(new URL("./.build/run.mjs", import.meta.url).href);
