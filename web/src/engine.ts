/**
 * The page's handle on the engine worker: one request, one promise. The worker answers in order,
 * but ids keep it robust.
 */
import type { Meta, Request, Response, RunRequest, ScenarioInfo, LayoutInfo, RunResult } from "./protocol.js";

type Pending = (r: Response) => void;
type Without<T> = T extends unknown ? Omit<T, "id"> : never;

export class Engine {
  private readonly worker: Worker;
  private next = 1;
  private readonly pending = new Map<number, Pending>();

  constructor() {
    this.worker = new Worker(new URL("./worker.ts", import.meta.url), { type: "module", name: "dmasim-engine" });
    this.worker.onmessage = (e: MessageEvent<Response>) => {
      const p = this.pending.get(e.data.id);
      this.pending.delete(e.data.id);
      p?.(e.data);
    };
    this.worker.onerror = (e) => {
      const error = `the engine worker failed: ${e.message || "unknown error"}`;
      for (const [id, p] of this.pending) p({ id, type: "error", error });
      this.pending.clear();
    };
  }

  private ask(req: Without<Request>): Promise<Response> {
    const id = this.next++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.worker.postMessage({ ...req, id } as Request);
    });
  }

  async meta(): Promise<Meta> {
    const r = await this.ask({ type: "meta" });
    if (r.type !== "meta") throw new Error(r.type === "error" ? r.error : "unexpected answer");
    return r.meta;
  }

  async inspect(text: string, file: string): Promise<{ scenario?: ScenarioInfo; error?: string }> {
    const r = await this.ask({ type: "inspect", text, file });
    if (r.type === "inspect") return r;
    return { error: r.type === "error" ? r.error : "unexpected answer" };
  }

  async run(req: RunRequest): Promise<{ result: RunResult; layout: LayoutInfo; ms: number; args: string[] } | { error: string }> {
    const r = await this.ask({ type: "run", ...req });
    if (r.type === "run") return r;
    return { error: r.type === "error" ? r.error : "unexpected answer" };
  }
}
