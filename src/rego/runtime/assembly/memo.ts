// Values of rules (functions of input and data only) computed in the current evaluation, keyed by
// (function id, input, data): a rule referenced many times is evaluated once, as in OPA. `with`
// on input or data evaluates under new input/data values, hence other keys. Undefined results are
// not stored. The table lives on the heap, which the SDK resets between evaluations; the generated
// `eval` entry calls opa_rt_memo_reset first, so no stale table is ever read.
import { malloc } from "./heap";

let table: usize = 0; // entries of 4 u32: id + 1 (0: empty), input, data, value
let cap: u32 = 0;
let count: u32 = 0;

export function memoReset(): void {
  table = 0;
  cap = 0;
  count = 0;
}

function slot(id: u32, input: usize, data: usize): u32 {
  let h: u32 = id * 0x9e3779b1;
  h ^= <u32>input * 0x85ebca6b;
  h ^= <u32>data * 0xc2b2ae35;
  h ^= h >> 15;
  return h & (cap - 1);
}

function find(id: u32, input: usize, data: usize): usize {
  if (cap == 0) return 0;
  let i = slot(id, input, data);
  // At most half full: an empty slot ends every probe.
  for (let n: u32 = 0; n < cap; n++) {
    const e = table + (<usize>i << 4);
    const k = load<u32>(e);
    if (k == 0) return e;
    if (k == id + 1 && load<u32>(e, 4) == <u32>input && load<u32>(e, 8) == <u32>data) return e;
    i = (i + 1) & (cap - 1);
  }
  return 0;
}

export function memoGet(id: u32, input: usize, data: usize): usize {
  const e = find(id, input, data);
  return e == 0 || load<u32>(e) == 0 ? 0 : <usize>load<u32>(e, 12);
}

function grow(): void {
  const oldTable = table;
  const oldCap = cap;
  cap = oldCap == 0 ? 64 : oldCap * 2;
  table = malloc(<usize>cap << 4);
  memory.fill(table, 0, <usize>cap << 4);
  for (let i: u32 = 0; i < oldCap; i++) {
    const e = oldTable + (<usize>i << 4);
    const k = load<u32>(e);
    if (k == 0) continue;
    const n = find(k - 1, <usize>load<u32>(e, 4), <usize>load<u32>(e, 8));
    if (n != 0) memory.copy(n, e, 16);
  }
}

/** Stores v (when defined) and returns it. */
export function memoPut(id: u32, input: usize, data: usize, v: usize): usize {
  if (v == 0) return 0;
  if ((count + 1) * 2 > cap) grow();
  const e = find(id, input, data);
  if (e == 0) return v;
  if (load<u32>(e) == 0) count++;
  store<u32>(e, id + 1);
  store<u32>(e, <u32>input, 4);
  store<u32>(e, <u32>data, 8);
  store<u32>(e, <u32>v, 12);
  return v;
}
