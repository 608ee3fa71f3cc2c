/**
 * lib/sort.c: the kernel's in-place heapsort (not stable: elements that compare equal may change places —
 * two equal elements always swap).
 */

/** lib/sort.c parent (5.6–6.11; 5.6.4 and 5.15.178 :173, 6.6.63 :184): the heap parent of element i, floor((i - 1) / 2) */
function parent(i: number): number {
  return (i - 1) >> 1;
}

/**
 * lib/sort.c sort_r (5.6–6.11; 5.15.178 :199–263, 6.6.63 :210–278; sort() calls it — 6.12.19 and 6.18.35 pop two at a time, not modelled: no modelled caller sorts there): heapsort with the "bottom-up" sift —
 * build the heap from num/2 down, then extract the root to the end; each sift follows the larger child to a
 * leaf (one compare per level), then backtracks to where the sifted element belongs.
 */
export function sort<T>(base: T[], cmp: (a: T, b: T) => number): void {
  let n = base.length;
  let a = n >> 1;
  if (!a) return; // num < 2
  const swap = (i: number, j: number) => {
    const t = base[i]!;
    base[i] = base[j]!;
    base[j] = t;
  };
  for (;;) {
    let b: number;
    let c: number;
    let d: number;
    if (a) a--; // building the heap: sift down --a
    else if (--n) swap(0, n); // sorting: extract the root to --n
    else break;
    for (b = a; (c = 2 * b + 1), (d = c + 1) < n; ) b = cmp(base[c]!, base[d]!) >= 0 ? c : d;
    if (d === n) b = c; // the last leaf, with no sibling
    while (b !== a && cmp(base[a]!, base[b]!) >= 0) b = parent(b);
    c = b; // where "a" belongs
    while (b !== a) {
      b = parent(b);
      swap(b, c);
    }
  }
}
