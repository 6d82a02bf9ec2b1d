/**
 * The event queue: a binary min-heap stored as a plain array inside the state, ordered by
 * (time, sequence). Equal-time events run in the order they were scheduled, which keeps runs
 * deterministic without relying on sort stability.
 */
import type { SimEvent } from "./types.ts";

function before(a: SimEvent, b: SimEvent): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

export function heapPush(heap: SimEvent[], ev: SimEvent): void {
  heap.push(ev);
  let i = heap.length - 1;
  while (i > 0) {
    const p = (i - 1) >> 1;
    const parent = heap[p]!;
    if (!before(ev, parent)) break;
    heap[i] = parent;
    i = p;
  }
  heap[i] = ev;
}

export function heapPop(heap: SimEvent[]): SimEvent | undefined {
  const top = heap[0];
  const last = heap.pop();
  if (heap.length === 0 || last === undefined) return top;
  let i = 0;
  const n = heap.length;
  for (;;) {
    const l = 2 * i + 1;
    if (l >= n) break;
    const r = l + 1;
    const c = r < n && before(heap[r]!, heap[l]!) ? r : l;
    if (!before(heap[c]!, last)) break;
    heap[i] = heap[c]!;
    i = c;
  }
  heap[i] = last;
  return top;
}
