/**
 * matrix --jobs N claims its columns as it goes (src/cli/matrix-claim.ts): each thread runs its
 * own segment front to back, then takes the last columns of the fullest segment. Every column is
 * run exactly once, whatever the order in which the threads come.
 */
import { describe, expect, it } from "vitest";
import { Worker } from "node:worker_threads";
import { cellsOfUnit, claimColumn, claimUnit, columnSegments } from "../src/cli/matrix-claim.js";

/** The matrix's own split: 9 platforms × 10 kernels on 2 threads, whole platforms (matrix-run.ts). */
const partOf2 = (col: number) => Math.floor((Math.floor(col / 10) * 2) / 9);

describe("matrix column claiming", () => {
  it("splits 9 platforms × 10 kernels into whole platforms: 5 for this thread, 4 for the worker", () => {
    const s = columnSegments(2, 90, partOf2);
    expect([s[0]! & 0xffff, s[0]! >>> 16, s[1]! & 0xffff, s[1]! >>> 16]).toEqual([0, 50, 50, 90]);
  });

  it("a thread alone runs its segment in order, then the other's from its back", () => {
    const s = columnSegments(2, 90, partOf2);
    const got: number[] = [];
    for (let c; (c = claimColumn(s, 0)) >= 0; ) got.push(c);
    expect(got.slice(0, 50)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(got.slice(50)).toEqual(Array.from({ length: 40 }, (_, i) => 89 - i));
  });

  it("a late worker runs fewer columns; together they run each column once", () => {
    const s = columnSegments(2, 90, partOf2);
    const by: number[][] = [[], []];
    // this thread claims 3 columns for every 1 of the worker's
    for (let step = 0; ; step++) {
      const t = step % 4 === 3 ? 1 : 0;
      const c = claimColumn(s, t);
      if (c < 0) {
        expect(claimColumn(s, 1 - t)).toBe(-1);
        break;
      }
      by[t]!.push(c);
    }
    expect([...by[0]!, ...by[1]!].sort((a, b) => a - b)).toEqual(Array.from({ length: 90 }, (_, i) => i));
    expect(by[1]!.length).toBeLessThan(30);
    // the worker's columns are its own segment's front: platforms 5.. in order
    expect(by[1]!.slice(0, 5)).toEqual([50, 51, 52, 53, 54]);
  });

  it("with more threads than columns the extra segments are empty and their threads steal", () => {
    const s = columnSegments(4, 2, (c) => c);
    expect(claimColumn(s, 3)).toBe(0); // the first of the fullest (both hold one)
    expect(claimColumn(s, 2)).toBe(1);
    expect(claimColumn(s, 0)).toBe(-1);
  });

  it("the cells of a column are its scenarios' indices, scenario-major", () => {
    expect(claimUnit(90)).toBe(1);
    expect(cellsOfUnit(7, 1, 3, 90)).toEqual([7, 97, 187]);
  });

  it("past 2^15 − 1 columns a claim takes several consecutive columns, the last unit the rest", () => {
    const columns = 70_000;
    const unit = claimUnit(columns);
    expect(unit).toBe(3);
    const units = Math.ceil(columns / unit);
    expect(units).toBeLessThanOrEqual(0x7fff);
    expect(cellsOfUnit(1, unit, 2, columns)).toEqual([3, 70_003, 4, 70_004, 5, 70_005]);
    expect(cellsOfUnit(units - 1, unit, 1, columns)).toEqual([69_999]);
    // every cell once, whoever claims
    const s = columnSegments(2, units, (u) => (u * 2 < units ? 0 : 1));
    const seen = new Uint8Array(columns);
    for (let t = 0, u; (u = claimColumn(s, t)) >= 0; t ^= 1) for (const c of cellsOfUnit(u, unit, 1, columns)) seen[c]!++;
    expect(seen.every((x) => x === 1)).toBe(true);
  });

  it("threads claiming at once over shared memory take each column exactly once", { timeout: 60_000 }, async () => {
    const columns = 4000;
    const s = columnSegments(3, columns, (c) => Math.floor((c * 3) / columns));
    const src = `
      const { parentPort, workerData } = require("node:worker_threads");
      ${claimColumn.toString()}
      const got = [];
      for (let c; (c = claimColumn(workerData.s, workerData.own)) >= 0; ) got.push(c);
      parentPort.postMessage(got);`;
    const run = (own: number) =>
      new Promise<number[]>((res, rej) => {
        const w = new Worker(src, { eval: true, workerData: { s, own } });
        w.once("message", res);
        w.once("error", rej);
      });
    const parts = await Promise.all([run(0), run(1), run(2)]);
    const all = parts.flat().sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: columns }, (_, i) => i));
  });
});
