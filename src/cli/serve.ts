/**
 * `dmasim serve [--port N]`: the web page (web/, built by Vite into dist/web/) on 127.0.0.1 only,
 * with node:http. The page runs the engine in the browser (a Web Worker); this server only hands
 * out static files. When the build is missing or older than its sources (web/, src/,
 * scenarios/), it is (re)built first with Vite's JS API, saying so on stderr; the installed
 * package ships the page prebuilt in dist/web/ and needs no Vite.
 *
 * DMASIM_WEB_DIR=dir serves (and builds into) another directory (the e2e test uses a temp dir).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { existsSync, readdirSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { extname, join, resolve, sep } from "node:path";
import { InputError } from "../core/faults.js";
import { ROOT } from "./root.js";

export const DEFAULT_PORT = 8089;
export const HOST = "127.0.0.1";
export const DEFAULT_WEB_DIR = join(ROOT, "dist", "web");
const VITE_CONFIG = join(ROOT, "web", "vite.config.ts");

/** The sources a build depends on. */
const SOURCES = ["web", "src", "scenarios"].map((d) => join(ROOT, d));

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".txt": "text/plain; charset=utf-8",
  ".yaml": "text/yaml; charset=utf-8",
  ".wasm": "application/wasm",
};

/** The page needs nothing from elsewhere: scripts, styles, the worker and downloads are same-origin. */
const CSP = "default-src 'self'; script-src 'self'; worker-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";

/** --port: an integer 0–65535 (0 = any free port). */
export function parsePort(s: string | undefined): number {
  if (s === undefined) return DEFAULT_PORT;
  const t = s.trim();
  if (!/^\d+$/.test(t) || Number(t) > 65535) throw new InputError(`--port ${s}: not a TCP port (an integer 0–65535; 0 picks a free one)`);
  return Number(t);
}

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let t = 0;
  for (const e of readdirSync(path, { withFileTypes: true })) if (e.name !== "node_modules") t = Math.max(t, newestMtime(join(path, e.name)));
  return t;
}

/**
 * Why the build in `dir` must be (re)made, or null when it is current. An installed package has
 * no web sources: it serves the page it ships prebuilt in dist/web/ and never builds.
 */
export function buildNeeded(dir: string): string | null {
  const index = join(dir, "index.html");
  if (!existsSync(VITE_CONFIG)) {
    if (!existsSync(index)) throw new InputError(`the web page is not in ${dir}, and this copy of dmasim has no web sources to build it from`);
    return null;
  }
  if (!existsSync(index)) return `the web page is not built yet (${dir})`;
  const built = statSync(index).mtimeMs;
  if (SOURCES.some((d) => newestMtime(d) > built)) return "the web page is older than its sources";
  return null;
}

/** Build the page with Vite into `outDir`. */
export async function buildWeb(outDir: string = DEFAULT_WEB_DIR): Promise<void> {
  let vite: typeof import("vite");
  try {
    vite = await import("vite");
  } catch {
    throw new InputError("the web page needs building, and Vite is not installed (run npm ci in the dmasim folder)");
  }
  await vite.build({ configFile: VITE_CONFIG, logLevel: "warn", build: { outDir, emptyOutDir: true } });
}

function send(res: ServerResponse, status: number, body: string) {
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8", "x-content-type-options": "nosniff" });
  res.end(body + "\n");
}

/**
 * DNS rebinding: a page on another site can point its own name at 127.0.0.1 and read this server
 * through it. The browser then sends that name as Host, so only the loopback names with our port
 * are served (127.0.0.1:PORT, localhost:PORT, [::1]:PORT); anything else, or no Host, gets 421.
 */
export function hostAllowed(host: string | undefined, port: number): boolean {
  if (!host) return false;
  const h = host.toLowerCase();
  return h === `127.0.0.1:${port}` || h === `localhost:${port}` || h === `[::1]:${port}`;
}

function handler(dir: string, port: () => number) {
  const root = resolve(dir);
  return async (req: IncomingMessage, res: ServerResponse) => {
    if (!hostAllowed(req.headers.host, port())) return send(res, 421, "misdirected request: this server answers only to 127.0.0.1, localhost or [::1] with its port in the Host header");
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.setHeader("allow", "GET, HEAD");
      return send(res, 405, "method not allowed");
    }
    let path: string;
    try {
      path = decodeURIComponent(new URL(req.url ?? "/", "http://localhost").pathname);
    } catch {
      return send(res, 400, "bad request");
    }
    if (path.endsWith("/")) path += "index.html";
    const file = resolve(root, "." + path);
    if (file !== root && !file.startsWith(root + sep)) return send(res, 404, "not found");
    let body: Buffer;
    try {
      body = await readFile(file);
    } catch {
      return send(res, 404, "not found");
    }
    const hashed = path.startsWith("/assets/");
    res.writeHead(200, {
      "content-type": TYPES[extname(file)] ?? "application/octet-stream",
      "content-length": body.length,
      "cache-control": hashed ? "public, max-age=31536000, immutable" : "no-cache",
      "x-content-type-options": "nosniff",
      "content-security-policy": CSP,
      "referrer-policy": "no-referrer",
    });
    res.end(req.method === "HEAD" ? undefined : body);
  };
}

/** Serve `dir` on 127.0.0.1:port (0 = a free port). Resolves once listening. */
export function startServer(dir: string, port: number): Promise<{ server: Server; port: number; url: string }> {
  let bound = port;
  const handle = handler(dir, () => bound);
  const server = createServer((req, res) => {
    handle(req, res).catch(() => send(res, 500, "internal error"));
  });
  return new Promise((ok, fail) => {
    server.once("error", (e: NodeJS.ErrnoException) => {
      const why = e.code === "EADDRINUSE" ? "already in use" : e.code === "EACCES" ? "not allowed (a privileged port?)" : e.message;
      fail(new InputError(`--port ${port}: ${HOST}:${port} is ${why}`));
    });
    server.listen(port, HOST, () => {
      const addr = server.address();
      const p = typeof addr === "object" && addr ? addr.port : port;
      bound = p;
      ok({ server, port: p, url: `http://${HOST}:${p}/` });
    });
  });
}

/** The `serve` command: returns once listening; the server keeps the process alive until killed. */
export async function serveCommand(io: { out: NodeJS.WritableStream; err: NodeJS.WritableStream; env: NodeJS.ProcessEnv }, portArg: string | undefined): Promise<number> {
  const port = parsePort(portArg);
  const dir = io.env.DMASIM_WEB_DIR ? resolve(io.env.DMASIM_WEB_DIR) : DEFAULT_WEB_DIR;
  // Bind first, so a port in use fails at once, not after a build.
  const { server, url } = await startServer(dir, port);
  let why: string | null;
  try {
    why = buildNeeded(dir);
  } catch (e) {
    server.close();
    throw e;
  }
  if (why) {
    io.err.write(`dmasim: ${why}: building it with Vite into ${dir} …\n`);
    const t0 = Date.now();
    try {
      await buildWeb(dir);
    } catch (e) {
      server.close();
      throw e;
    }
    io.err.write(`dmasim: built the web page in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  }
  io.out.write(`dmasim: serving on ${url}\n`);
  return 0;
}
