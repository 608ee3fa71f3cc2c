/**
 * `dmasim serve` against DNS rebinding: only the loopback names with the server's port are
 * served; any other Host header gets 421 Misdirected Request (none at all: Node's 400).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { request } from "node:http";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Server } from "node:http";
import { hostAllowed, startServer } from "../src/cli/serve.js";

let dir = "";
let server: Server;
let port = 0;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "dmasim-host-"));
  writeFileSync(join(dir, "index.html"), "<!doctype html><title>dmasim</title>\n");
  ({ server, port } = await startServer(dir, 0));
});
afterAll(() => {
  server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** GET / with the given Host header (undefined: no Host header at all). */
function get(host: string | undefined): Promise<{ status: number; body: string }> {
  return new Promise((ok, fail) => {
    const req = request({ host: "127.0.0.1", port, path: "/", method: "GET", setHost: false, headers: host === undefined ? {} : { host } }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d) => (body += d));
      res.on("end", () => ok({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", fail);
    req.end();
  });
}

describe("serve: Host header check", () => {
  it("serves 127.0.0.1:PORT, localhost:PORT and [::1]:PORT", async () => {
    for (const h of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`, `[::1]:${port}`]) {
      const r = await get(h);
      expect(r.status, h).toBe(200);
      expect(r.body).toContain("<title>dmasim</title>");
    }
  });

  it("refuses an HTTP/1.1 request without Host (Node's own 400)", async () => {
    expect((await get(undefined)).status).toBe(400);
  });

  it("refuses a rebound name, another port and a bare name with 421", async () => {
    for (const h of [`evil.example:${port}`, `127.0.0.1.nip.io:${port}`, `127.0.0.1:${port + 1}`, "127.0.0.1", "localhost", `0.0.0.0:${port}`, ""]) {
      const r = await get(h);
      expect(r.status, String(h)).toBe(421);
      expect(r.body).toMatch(/^misdirected request/);
      expect(r.body).not.toContain("dmasim</title>");
    }
  });

  it("hostAllowed is exact about the port", () => {
    expect(hostAllowed("127.0.0.1:8089", 8089)).toBe(true);
    expect(hostAllowed("127.0.0.1:80890", 8089)).toBe(false);
    expect(hostAllowed("x127.0.0.1:8089", 8089)).toBe(false);
    expect(hostAllowed(undefined, 8089)).toBe(false);
  });
});
