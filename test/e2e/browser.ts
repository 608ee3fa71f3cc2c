/**
 * The browser for the e2e tests. Debian's chromium when the machine has it (DMASIM_CHROMIUM names
 * another binary); otherwise the Chromium that ships inside the npm package @sparticuz/chromium,
 * extracted once into a private directory under node_modules/.cache (never the shared temp
 * directory: a stale extraction there from another version breaks the launch). Nothing is
 * downloaded: the brotli archives are in the package itself.
 */
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser } from "playwright-core";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

export interface BrowserChoice {
  executablePath: string;
  source: "env" | "system" | "npm";
}

/** Which Chromium to drive: DMASIM_CHROMIUM, else /usr/bin/chromium, else the npm package's (DMASIM_BROWSER=npm forces it). */
export async function findChromium(): Promise<BrowserChoice> {
  if (process.env.DMASIM_CHROMIUM) return { executablePath: process.env.DMASIM_CHROMIUM, source: "env" };
  if (process.env.DMASIM_BROWSER !== "npm" && existsSync("/usr/bin/chromium")) return { executablePath: "/usr/bin/chromium", source: "system" };
  const pkg = JSON.parse((await import("node:fs")).readFileSync(join(ROOT, "node_modules/@sparticuz/chromium/package.json"), "utf8")) as { version: string };
  const dir = join(ROOT, "node_modules", ".cache", `dmasim-chromium-${pkg.version}`);
  mkdirSync(dir, { recursive: true });
  const saved = process.env.TMPDIR;
  process.env.TMPDIR = dir; // @sparticuz/chromium extracts into os.tmpdir()
  try {
    const mod = (await import("@sparticuz/chromium")).default;
    return { executablePath: await mod.executablePath(), source: "npm" };
  } finally {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
  }
}

/** Launch headless Chromium for a test, with the flags this machine's closed network needs. */
export async function launchChromium(extraArgs: string[] = []): Promise<{ browser: Browser; choice: BrowserChoice }> {
  const choice = await findChromium();
  const browser = await chromium.launch({ executablePath: choice.executablePath, args: [...CHROMIUM_FLAGS, ...extraArgs], headless: true });
  return { browser, choice };
}
