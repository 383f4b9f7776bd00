/**
 * torch.topk(x, k, largest=True, sorted=True) on the CPU, including its order among equal values.
 *
 * Why a replica and not a plain stable sort: which of two equal scores torch.topk lists first decides which text
 * mine_hard_negatives keeps when the cut falls between them, and torch's order is no rule one could state: it is
 * whatever libstdc++'s std::partial_sort (when k * 64 <= n) or std::nth_element followed by std::sort of the first
 * k - 1 (otherwise) leave behind (aten/src/ATen/native/TopKImpl.h, PyTorch's Linux wheels being built with GCC).
 * So those algorithms are transcribed here step for step (bits/stl_algo.h, bits/stl_heap.h), with torch's comparator:
 * NaN above everything, then greater value first. spec/data/hard-negatives.spec.ts checks the result against
 * torch.topk itself on tie-heavy rows (bench/hard_negatives_fixtures.py).
 */

/** A candidate: its score and its position in the row. */
interface Entry {
  v: number;
  i: number;
}

type Less = (a: Entry, b: Entry) => boolean;

/** torch's "largest" comparator: NaN sorts to the top, then larger first. */
const before: Less = (a, b) => (Number.isNaN(a.v) && !Number.isNaN(b.v)) || a.v > b.v;

/** floor(log2(n)) for n >= 1, as std::__lg. */
function lg(n: number): number {
  return 31 - Math.clz32(n);
}

// ---- bits/stl_heap.h ----

function pushHeap(q: Entry[], first: number, hole: number, top: number, value: Entry, less: Less): void {
  let parent = Math.floor((hole - 1) / 2);
  while (hole > top && less(q[first + parent]!, value)) {
    q[first + hole] = q[first + parent]!;
    hole = parent;
    parent = Math.floor((hole - 1) / 2);
  }
  q[first + hole] = value;
}

function adjustHeap(q: Entry[], first: number, hole: number, len: number, value: Entry, less: Less): void {
  const top = hole;
  let child = hole;
  while (child < Math.floor((len - 1) / 2)) {
    child = 2 * (child + 1);
    if (less(q[first + child]!, q[first + child - 1]!)) child--;
    q[first + hole] = q[first + child]!;
    hole = child;
  }
  if ((len & 1) === 0 && child === Math.floor((len - 2) / 2)) {
    child = 2 * (child + 1);
    q[first + hole] = q[first + child - 1]!;
    hole = child - 1;
  }
  pushHeap(q, first, hole, top, value, less);
}

function makeHeap(q: Entry[], first: number, last: number, less: Less): void {
  const len = last - first;
  if (len < 2) return;
  for (let parent = Math.floor((len - 2) / 2); ; parent--) {
    adjustHeap(q, first, parent, len, q[first + parent]!, less);
    if (parent === 0) return;
  }
}

/** std::__pop_heap(first, last, result): the top goes to `result`, what was there is sifted into [first, last). */
function popHeap(q: Entry[], first: number, last: number, result: number, less: Less): void {
  const value = q[result]!;
  q[result] = q[first]!;
  adjustHeap(q, first, 0, last - first, value, less);
}

function heapSelect(q: Entry[], first: number, middle: number, last: number, less: Less): void {
  makeHeap(q, first, middle, less);
  for (let i = middle; i < last; i++) if (less(q[i]!, q[first]!)) popHeap(q, first, middle, i, less);
}

function sortHeap(q: Entry[], first: number, last: number, less: Less): void {
  while (last - first > 1) {
    last--;
    popHeap(q, first, last, last, less);
  }
}

function partialSort(q: Entry[], first: number, middle: number, last: number, less: Less): void {
  heapSelect(q, first, middle, last, less);
  sortHeap(q, first, middle, less);
}

// ---- bits/stl_algo.h ----

function swap(q: Entry[], a: number, b: number): void {
  const t = q[a]!;
  q[a] = q[b]!;
  q[b] = t;
}

function moveMedianToFirst(q: Entry[], result: number, a: number, b: number, c: number, less: Less): void {
  if (less(q[a]!, q[b]!)) {
    if (less(q[b]!, q[c]!)) swap(q, result, b);
    else if (less(q[a]!, q[c]!)) swap(q, result, c);
    else swap(q, result, a);
  } else if (less(q[a]!, q[c]!)) swap(q, result, a);
  else if (less(q[b]!, q[c]!)) swap(q, result, c);
  else swap(q, result, b);
}

function unguardedPartition(q: Entry[], first: number, last: number, pivot: number, less: Less): number {
  for (;;) {
    while (less(q[first]!, q[pivot]!)) first++;
    last--;
    while (less(q[pivot]!, q[last]!)) last--;
    if (!(first < last)) return first;
    swap(q, first, last);
    first++;
  }
}

function unguardedPartitionPivot(q: Entry[], first: number, last: number, less: Less): number {
  const mid = first + Math.floor((last - first) / 2);
  moveMedianToFirst(q, first, first + 1, mid, last - 1, less);
  return unguardedPartition(q, first + 1, last, first, less);
}

function unguardedLinearInsert(q: Entry[], last: number, less: Less): void {
  const value = q[last]!;
  let next = last - 1;
  while (less(value, q[next]!)) {
    q[last] = q[next]!;
    last = next;
    next--;
  }
  q[last] = value;
}

function insertionSort(q: Entry[], first: number, last: number, less: Less): void {
  if (first === last) return;
  for (let i = first + 1; i < last; i++) {
    if (less(q[i]!, q[first]!)) {
      const value = q[i]!;
      for (let j = i; j > first; j--) q[j] = q[j - 1]!;
      q[first] = value;
    } else {
      unguardedLinearInsert(q, i, less);
    }
  }
}

const THRESHOLD = 16; // std::_S_threshold

function introsortLoop(q: Entry[], first: number, last: number, depth: number, less: Less): void {
  while (last - first > THRESHOLD) {
    if (depth === 0) {
      partialSort(q, first, last, last, less);
      return;
    }
    depth--;
    const cut = unguardedPartitionPivot(q, first, last, less);
    introsortLoop(q, cut, last, depth, less);
    last = cut;
  }
}

function finalInsertionSort(q: Entry[], first: number, last: number, less: Less): void {
  if (last - first > THRESHOLD) {
    insertionSort(q, first, first + THRESHOLD, less);
    for (let i = first + THRESHOLD; i < last; i++) unguardedLinearInsert(q, i, less);
  } else {
    insertionSort(q, first, last, less);
  }
}

function stdSort(q: Entry[], first: number, last: number, less: Less): void {
  if (first === last) return;
  introsortLoop(q, first, last, lg(last - first) * 2, less);
  finalInsertionSort(q, first, last, less);
}

function nthElement(q: Entry[], first: number, nth: number, last: number, less: Less): void {
  if (first === last || nth === last) return;
  let depth = lg(last - first) * 2;
  while (last - first > 3) {
    if (depth === 0) {
      heapSelect(q, first, nth + 1, last, less);
      swap(q, first, nth);
      return;
    }
    depth--;
    const cut = unguardedPartitionPivot(q, first, last, less);
    if (cut <= nth) first = cut;
    else last = cut;
  }
  insertionSort(q, first, last, less);
}

export interface TopK {
  values: Float32Array;
  indices: Int32Array;
}

/** The k largest of `row` and their positions, in torch.topk's order (sorted=True). Requires 0 <= k <= row.length. */
export function torchTopk(row: ArrayLike<number>, k: number): TopK {
  const n = row.length;
  if (!Number.isInteger(k) || k < 0 || k > n) throw new RangeError(`topk: k = ${k} is outside [0, ${n}]`);
  const values = new Float32Array(k);
  const indices = new Int32Array(k);
  if (k === 0) return { values, indices };
  const q: Entry[] = Array.from({ length: n }, (_, i) => ({ v: row[i]!, i }));
  if (k * 64 <= n) {
    partialSort(q, 0, k, n, before);
  } else {
    nthElement(q, 0, k - 1, n, before);
    stdSort(q, 0, k - 1, before);
  }
  for (let j = 0; j < k; j++) {
    values[j] = q[j]!.v;
    indices[j] = q[j]!.i;
  }
  return { values, indices };
}
