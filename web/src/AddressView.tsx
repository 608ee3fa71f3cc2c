/**
 * Where the selected step's addresses are: a strip of the kernel's virtual address space (user,
 * linear map, vmalloc, vmemmap ...) and one of physical memory (RAM banks, CMA, swiotlb ...), with
 * numbered markers, and a table saying what each address is.
 */
import type { RefObject } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import type { Band, LayoutInfo, StepResult } from "./protocol.js";
import { placeIova, placePhys, placeVa, segments, stepMarkers, xOf, type Marker, type Placement, type Segment } from "./addr.js";

const STRIP_H = 26;
let hatchIds = 0;

/** The element's width in CSS pixels, kept current (the SVG is drawn 1:1, so text and circles keep their shape). */
function useWidth<T extends HTMLElement>(fallback: number): [RefObject<T | null>, number] {
  const ref = useRef<T>(null);
  const [w, setW] = useState(fallback);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const update = () => setW(Math.max(200, Math.round(el.clientWidth)));
    update();
    const ro = new ResizeObserver(update);
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  return [ref, w];
}

function hex(a: bigint, digits: number): string {
  return "0x" + a.toString(16).padStart(digits, "0");
}

interface Placed {
  n: number;
  m: Marker;
  p: Placement;
}

function Strip({ title, regions, subs, lo, hi, markers, digits, testid }: { title: string; regions: Band[]; subs: Band[]; lo: bigint; hi: bigint; markers: Placed[]; digits: number; testid: string }) {
  const [ref, W] = useWidth<HTMLElement>(800);
  const [hatch] = useState(() => `hatch-${++hatchIds}`);
  const segs: Segment[] = segments(regions, lo, hi, W);
  // marker x positions (kept inside the strip), numbers staggered in rows where they would overlap
  const xs = markers.map((pm) => Math.min(W - 8, Math.max(8, xOf(pm.m.addr, segs) ?? W - 8)));
  const rows: number[] = [];
  const placed = markers.map((pm, i) => {
    const x = xs[i]!;
    let row = 0;
    while (rows.some((r, j) => r === row && Math.abs(xs[j]! - x) < 17)) row++;
    rows.push(row);
    return { ...pm, x, row };
  });
  const STRIP_Y = 16 + Math.max(1, ...rows.map((r) => r + 1)) * 15;
  const H = STRIP_Y + STRIP_H + 18;
  return (
    <figure class="strip" data-testid={testid} ref={ref}>
      <figcaption>{title}</figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} width={W} height={H} role="img" aria-label={title}>
        <defs>
          <pattern id={hatch} width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
            <rect width="6" height="6" fill="#f4f4f6" />
            <line x1="0" y1="0" x2="0" y2="6" stroke="#dcdce2" stroke-width="2" />
          </pattern>
        </defs>
        {segs.map((s, i) => (
          <g key={i}>
            <rect x={s.x} y={STRIP_Y} width={Math.max(0, s.w - 1)} height={STRIP_H} class={s.band ? `band band-${s.band.kind}` : "gap"} fill={s.band ? undefined : `url(#${hatch})`}>
              <title>{s.band ? `${s.band.name}: ${hex(s.start, digits)} – ${hex(s.end, digits)}${s.band.note ? `\n${s.band.note}` : ""}` : `no region: ${hex(s.start, digits)} – ${hex(s.end, digits)}`}</title>
            </rect>
            {s.band && s.w > 40 && (
              <text x={s.x + s.w / 2} y={STRIP_Y + 17} class="band-label" text-anchor="middle">
                {s.w > s.band.name.length * 7 ? s.band.name : s.band.name.split(/[ /(]/)[0]}
              </text>
            )}
            {s.band && s.w > 125 && (
              <text x={s.x + 2} y={STRIP_Y + STRIP_H + 13} class="band-addr">
                {hex(s.start, digits)}
              </text>
            )}
          </g>
        ))}
        {subs.map((b, i) => {
          const x0 = xOf(BigInt(b.start), segs);
          const x1 = xOf(BigInt(b.end) - 1n, segs);
          if (x0 === null || x1 === null) return null;
          return (
            <rect key={`sub${i}`} x={x0} y={STRIP_Y + STRIP_H - 8} width={Math.max(3, x1 - x0)} height={8} class={`sub sub-${b.kind}`}>
              <title>{`${b.name}: ${b.start} – ${b.end}`}</title>
            </rect>
          );
        })}
        {placed.map((pm) => {
          const cy = 10 + pm.row * 15;
          return (
            <g key={pm.n} class={`marker ${pm.p.bad ? "bad" : ""}`}>
              <line x1={pm.x} x2={pm.x} y1={cy + 6} y2={STRIP_Y + STRIP_H} />
              <circle cx={pm.x} cy={cy} r={7} />
              <text x={pm.x} y={cy + 3.5} text-anchor="middle">
                {pm.n}
              </text>
              <title>{`${pm.n}: ${hex(pm.m.addr, digits)} — ${pm.m.labels.join(", ")}\n${pm.p.text}`}</title>
            </g>
          );
        })}
      </svg>
    </figure>
  );
}

export function AddressView({ step, layout }: { step: StepResult; layout: LayoutInfo }) {
  const all = stepMarkers(step);
  const limit = (xs: Marker[]) => xs.slice(0, 10);
  const va = limit(all.filter((m) => m.space === "va"));
  const phys = limit(all.filter((m) => m.space === "phys"));
  const bus = all.filter((m) => m.space === "bus").slice(0, 4);
  const iovaP: Placed[] = layout.iommu ? bus.map((m, i) => ({ n: 100 + i, m, p: placeIova(m.addr, layout) })) : [];
  let n = 0;
  const vaP: Placed[] = va.map((m) => ({ n: ++n, m, p: placeVa(m.addr, layout) }));
  const physP: Placed[] = phys.map((m) => ({ n: ++n, m, p: placePhys(m.addr, layout) }));
  const vaTop = 1n << BigInt(layout.bits);
  const ramEnd = layout.ram.reduce((x, b) => (BigInt(b.end) > x ? BigInt(b.end) : x), 0n);
  const physMax = physP.reduce((x, pm) => (pm.m.addr >= x ? pm.m.addr + 1n : x), ramEnd);
  const physHi = physMax > ramEnd ? physMax + (physMax - ramEnd) / 8n + 0x1000n : ramEnd;
  const rows = [...vaP.map((x) => ({ ...x, space: "virtual" })), ...physP.map((x) => ({ ...x, space: "physical" }))];
  return (
    <section class="addrview" data-testid="addr-view" aria-label="address view">
      <h4>Addresses</h4>
      {va.length + phys.length + bus.length === 0 ? (
        <p class="muted small">This step touched no addresses.</p>
      ) : (
        <>
          <Strip title={`kernel virtual address space (${layout.arch}; regions not to scale)`} regions={layout.va} subs={layout.vaSub} lo={0n} hi={vaTop} markers={vaP} digits={layout.digits} testid="va-strip" />
          <Strip title="physical memory (RAM banks and reservations; not to scale)" regions={layout.ram} subs={layout.reserved} lo={0n} hi={physHi} markers={physP} digits={layout.bits === 32 ? 8 : 9} testid="phys-strip" />
          {layout.iommu ? <Strip title={`IOVA space of the device's DMA domain (${layout.iommu.name}, ${layout.iommu.strict ? "strict" : "lazy"}; not to scale)`} regions={layout.iommu.iova} subs={[]} lo={0n} hi={1n << 48n} markers={iovaP} digits={9} testid="iova-strip" /> : null}
          <table class="addr-table" data-testid="addr-table">
            <thead>
              <tr>
                <th>#</th>
                <th>address · seen as</th>
                <th>where · what it means</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.n} class={r.p.bad ? "bad" : ""} data-testid="addr-row" data-space={r.space} data-addr={"0x" + r.m.addr.toString(16)}>
                  <td class="num">{r.n}</td>
                  <td>
                    <span class="mono">{hex(r.m.addr, r.space === "virtual" ? layout.digits : 0)}</span>
                    <span class="seen small">{r.m.labels.join(", ")}</span>
                  </td>
                  <td class="small">
                    <span class="region">{r.p.region ? (r.p.sub ? `${r.p.region.name} › ${r.p.sub.name}` : r.p.region.name) : r.space === "virtual" ? "no region" : "no RAM"}</span>
                    <span class="meaning">{r.p.text}</span>
                  </td>
                </tr>
              ))}
              {bus.map((m) => (
                <tr key={`bus${m.addr}`} data-testid="addr-row" data-space="bus" data-addr={"0x" + m.addr.toString(16)}>
                  <td class="num">·</td>
                  <td>
                    <span class="mono">{hex(m.addr, 0)}</span>
                    <span class="seen small">{m.labels.join(", ")}</span>
                  </td>
                  <td class="small">
                    <span class="region">{layout.iommu ? "IOVA" : "bus address"}</span>
                    <span class="meaning">{layout.iommu ? placeIova(m.addr, layout).text : <>what the device puts on the bus; dma-ranges{layout.arch === "x86_64" ? "" : " (and on Xen the P2M)"} turn it into a physical address</>}</span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}
