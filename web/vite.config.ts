/**
 * Vite build of the dmasim web page (`npm run web:build`, or `dmasim serve` when the build is
 * missing). Preact's JSX goes through esbuild (no plugin). The engine (../src, no node:* and no
 * DOM) is bundled into the Web Worker; the page's own bundle holds only the UI and the bundled
 * scenario texts. Output: dist/web/ (relative asset URLs, so any static server can serve it).
 */
import { defineConfig, type Rollup } from "vite";

const here = decodeURIComponent(new URL(".", import.meta.url).pathname);

/** zod's sources carry /*@__PURE__*\/ comments Rollup cannot place: harmless, and not ours to fix. */
function onwarn(w: Rollup.RollupLog, warn: (w: Rollup.RollupLog) => void) {
  if (w.code === "INVALID_ANNOTATION") return;
  warn(w);
}

export default defineConfig({
  root: here,
  base: "./",
  publicDir: false,
  logLevel: "warn",
  clearScreen: false,
  esbuild: { jsx: "automatic", jsxImportSource: "preact" },
  worker: { format: "es" },
  build: {
    outDir: here + "../dist/web",
    emptyOutDir: true,
    target: "es2022",
    chunkSizeWarningLimit: 2000,
    reportCompressedSize: false,
    rollupOptions: { onwarn },
  },
});
