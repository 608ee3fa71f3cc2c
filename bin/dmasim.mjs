#!/usr/bin/env node
// dmasim launcher: registers tsx's ESM loader in this process (no second node process) and
// runs the TypeScript CLI, src/cli/main.ts.
import { register } from "tsx/esm/api";

register();
await import(new URL("../src/cli/main.ts", import.meta.url).href);
