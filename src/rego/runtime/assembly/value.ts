// Value representation. Every value is a pointer to a struct whose first u32 is its type tag;
// 0 means "undefined". Tags are numbered in OPA's sort order (null < boolean < number < string
// < array < object < set).
//
//   null    [tag]
//   boolean [tag][u32 0|1]
//   number  [tag][u32 kind][8-byte payload]  kind 0: i64, 1: f64, 2: ref (ptr,len of exact text)
//   string  [tag][len][ptr]                  UTF-8 bytes, immutable
//   array   [tag][len][cap][elems]           elems: u32 value pointers
//   object  [tag][count][ecap][entries][hcap][htab][sorted]
//   set     same as object; entries' value == key
//   entry   [key][value][hash]
// Objects and sets keep entries in an array (sorted lazily, in place, for iteration and dumping)
// and index them with an open-addressing hash table of entry pointers (O(1) lookups).
import { malloc } from "./heap";
import { abortWith } from "./abort";

export const T_NULL: u32 = 1;
export const T_BOOLEAN: u32 = 2;
export const T_NUMBER: u32 = 3;
export const T_STRING: u32 = 4;
export const T_ARRAY: u32 = 5;
export const T_OBJECT: u32 = 6;
export const T_SET: u32 = 7;

export const N_INT: u32 = 0;
export const N_FLOAT: u32 = 1;
export const N_REF: u32 = 2;

const NULL_VALUE: usize = memory.data<u32>([1]);
const TRUE_VALUE: usize = memory.data<u32>([2, 1]);
const FALSE_VALUE: usize = memory.data<u32>([2, 0]);

export function tagOf(v: usize): u32 {
  return load<u32>(v);
}

// ---------------------------------------------------------------- scalars

export function mkNull(): usize {
  return NULL_VALUE;
}

export function mkBool(b: bool): usize {
  return b ? TRUE_VALUE : FALSE_VALUE;
}

export function boolOf(v: usize): bool {
  return load<u32>(v, 4) != 0;
}

export function mkInt(i: i64): usize {
  const p = malloc(16);
  store<u32>(p, T_NUMBER);
  store<u32>(p, N_INT, 4);
  store<i64>(p, i, 8);
  return p;
}

export function mkFloat(f: f64): usize {
  const p = malloc(16);
  store<u32>(p, T_NUMBER);
  store<u32>(p, N_FLOAT, 4);
  store<f64>(p, f, 8);
  return p;
}

export function mkNumRef(ptr: usize, len: u32): usize {
  const p = malloc(16);
  store<u32>(p, T_NUMBER);
  store<u32>(p, N_REF, 4);
  store<u32>(p, <u32>ptr, 8);
  store<u32>(p, len, 12);
  return p;
}

export function numKind(v: usize): u32 {
  return load<u32>(v, 4);
}

export function intOf(v: usize): i64 {
  return load<i64>(v, 8);
}

export function floatOf(v: usize): f64 {
  return load<f64>(v, 8);
}

export function refPtr(v: usize): usize {
  return <usize>load<u32>(v, 8);
}

export function refLen(v: usize): u32 {
  return load<u32>(v, 12);
}

/** A string value over existing bytes (not copied). */
export function mkStringRef(ptr: usize, len: u32): usize {
  const p = malloc(12);
  store<u32>(p, T_STRING);
  store<u32>(p, len, 4);
  store<u32>(p, <u32>ptr, 8);
  return p;
}

/** A string value with a fresh copy of the bytes. */
export function mkStringCopy(ptr: usize, len: u32): usize {
  const b = malloc(<usize>len);
  memory.copy(b, ptr, <usize>len);
  return mkStringRef(b, len);
}

export function strLen(v: usize): u32 {
  return load<u32>(v, 4);
}

export function strPtr(v: usize): usize {
  return <usize>load<u32>(v, 8);
}

/** A string value from an AssemblyScript string (ASCII or any: encoded as UTF-8). */
export function mkStringFromAS(s: string): usize {
  const buf = String.UTF8.encode(s, false);
  const n = <u32>buf.byteLength;
  return mkStringCopy(changetype<usize>(buf), n);
}

export function strToAS(v: usize): string {
  return String.UTF8.decodeUnsafe(strPtr(v), <usize>strLen(v), false);
}

// ---------------------------------------------------------------- arrays

export function mkArray(cap: u32): usize {
  const p = malloc(16);
  if (cap < 4) cap = 4;
  store<u32>(p, T_ARRAY);
  store<u32>(p, 0, 4);
  store<u32>(p, cap, 8);
  store<u32>(p, <u32>malloc(<usize>cap << 2), 12);
  return p;
}

export function arrLen(a: usize): u32 {
  return load<u32>(a, 4);
}

export function arrGet(a: usize, i: u32): usize {
  return <usize>load<u32>(<usize>load<u32>(a, 12) + (<usize>i << 2));
}

export function arrSet(a: usize, i: u32, v: usize): void {
  store<u32>(<usize>load<u32>(a, 12) + (<usize>i << 2), <u32>v);
}

export function arrElems(a: usize): usize {
  return <usize>load<u32>(a, 12);
}

export function arrAppend(a: usize, v: usize): void {
  const n = load<u32>(a, 4);
  const cap = load<u32>(a, 8);
  if (n == cap) {
    const ncap = cap * 2;
    const ne = malloc(<usize>ncap << 2);
    memory.copy(ne, <usize>load<u32>(a, 12), <usize>n << 2);
    store<u32>(a, ncap, 8);
    store<u32>(a, <u32>ne, 12);
  }
  store<u32>(<usize>load<u32>(a, 12) + (<usize>n << 2), <u32>v);
  store<u32>(a, n + 1, 4);
}

// ---------------------------------------------------------------- objects and sets

function mkTable(tag: u32, cap: u32): usize {
  const p = malloc(28);
  store<u32>(p, tag);
  store<u32>(p, 0, 4);
  store<u32>(p, cap, 8);
  store<u32>(p, cap > 0 ? <u32>malloc(<usize>cap << 2) : 0, 12);
  store<u32>(p, 0, 16);
  store<u32>(p, 0, 20);
  store<u32>(p, 1, 24);
  return p;
}

export function mkObject(): usize {
  return mkTable(T_OBJECT, 0);
}

export function mkSet(): usize {
  return mkTable(T_SET, 0);
}

export function tblCount(t: usize): u32 {
  return load<u32>(t, 4);
}

export function tblEntry(t: usize, i: u32): usize {
  return <usize>load<u32>(<usize>load<u32>(t, 12) + (<usize>i << 2));
}

export function entKey(e: usize): usize {
  return <usize>load<u32>(e);
}

export function entValue(e: usize): usize {
  return <usize>load<u32>(e, 4);
}

export function entSetValue(e: usize, v: usize): void {
  store<u32>(e, <u32>v, 4);
}

const SMALL: u32 = 8;

/** Finds the entry for key (0 if absent). */
export function tblFind(t: usize, key: usize): usize {
  const n = load<u32>(t, 4);
  if (n == 0) return 0;
  if (load<u32>(t, 16) == 0) return tblFindH(t, key, 0);
  return tblFindH(t, key, hashValue(key));
}

/** tblFind with the key's hash precomputed (unused while the table is small and unindexed). */
function tblFindH(t: usize, key: usize, h: u32): usize {
  const n = load<u32>(t, 4);
  if (n == 0) return 0;
  const hcap = load<u32>(t, 16);
  if (hcap == 0) {
    const ents = <usize>load<u32>(t, 12);
    for (let i: u32 = 0; i < n; i++) {
      const e = <usize>load<u32>(ents + (<usize>i << 2));
      if (valueEqual(<usize>load<u32>(e), key)) return e;
    }
    return 0;
  }
  const mask = hcap - 1;
  const htab = <usize>load<u32>(t, 20);
  let i = h & mask;
  while (true) {
    const e = <usize>load<u32>(htab + (<usize>i << 2));
    if (e == 0) return 0;
    if (load<u32>(e, 8) == h && valueEqual(<usize>load<u32>(e), key)) return e;
    i = (i + 1) & mask;
  }
  return 0;
}

function htabPut(htab: usize, mask: u32, e: usize): void {
  let i = load<u32>(e, 8) & mask;
  while (load<u32>(htab + (<usize>i << 2)) != 0) i = (i + 1) & mask;
  store<u32>(htab + (<usize>i << 2), <u32>e);
}

function rehash(t: usize, hcap: u32): void {
  const htab = malloc(<usize>hcap << 2);
  memory.fill(htab, 0, <usize>hcap << 2);
  const n = load<u32>(t, 4);
  const ents = <usize>load<u32>(t, 12);
  for (let i: u32 = 0; i < n; i++) {
    const e = <usize>load<u32>(ents + (<usize>i << 2));
    if (load<u32>(t, 16) == 0) store<u32>(e, hashValue(<usize>load<u32>(e)), 8);
    htabPut(htab, hcap - 1, e);
  }
  store<u32>(t, hcap, 16);
  store<u32>(t, <u32>htab, 20);
}

/** Appends a new entry (the key must be absent). */
function tblAppend(t: usize, key: usize, value: usize): usize {
  return tblAppendH(t, key, value, load<u32>(t, 16) != 0 ? hashValue(key) : 0);
}

function tblAppendH(t: usize, key: usize, value: usize, h: u32): usize {
  const n = load<u32>(t, 4);
  let ecap = load<u32>(t, 8);
  if (n == ecap) {
    const ncap = ecap < 4 ? 4 : ecap * 2;
    const ne = malloc(<usize>ncap << 2);
    if (n > 0) memory.copy(ne, <usize>load<u32>(t, 12), <usize>n << 2);
    store<u32>(t, ncap, 8);
    store<u32>(t, <u32>ne, 12);
  }
  const e = malloc(12);
  store<u32>(e, <u32>key);
  store<u32>(e, <u32>value, 4);
  store<u32>(<usize>load<u32>(t, 12) + (<usize>n << 2), <u32>e);
  store<u32>(t, n + 1, 4);
  // keep the sorted flag when appending in order (common for parsed, pre-sorted JSON)
  if (n > 0 && load<u32>(t, 24) != 0) {
    const prev = <usize>load<u32>(<usize>load<u32>(t, 12) + (<usize>(n - 1) << 2));
    if (compareValues(<usize>load<u32>(prev), key) >= 0) store<u32>(t, 0, 24);
  }
  const hcap = load<u32>(t, 16);
  if (hcap == 0) {
    if (n + 1 > SMALL) rehash(t, 32);
  } else {
    store<u32>(e, h, 8);
    if ((n + 1) * 2 > hcap) rehash(t, hcap * 2);
    else htabPut(<usize>load<u32>(t, 20), hcap - 1, e);
  }
  return e;
}

/** Sets key := value (replacing an existing value). */
export function objInsert(o: usize, key: usize, value: usize): void {
  const h = load<u32>(o, 16) != 0 ? hashValue(key) : 0;
  const e = tblFindH(o, key, h);
  if (e != 0) {
    store<u32>(e, <u32>value, 4);
    return;
  }
  tblAppendH(o, key, value, h);
}

export function objGet(o: usize, key: usize): usize {
  const e = tblFind(o, key);
  return e == 0 ? 0 : <usize>load<u32>(e, 4);
}

export function setAdd(s: usize, v: usize): void {
  const h = load<u32>(s, 16) != 0 ? hashValue(v) : 0;
  if (tblFindH(s, v, h) != 0) return;
  tblAppendH(s, v, v, h);
}

export function setHas(s: usize, v: usize): bool {
  return tblFind(s, v) != 0;
}

/** Removes key, rebuilding the index (removal is rare: data patching, object.remove copies). */
export function tblRemove(t: usize, key: usize): bool {
  const e = tblFind(t, key);
  if (e == 0) return false;
  const n = load<u32>(t, 4);
  const ents = <usize>load<u32>(t, 12);
  let j: u32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    const x = load<u32>(ents + (<usize>i << 2));
    if (<usize>x != e) {
      store<u32>(ents + (<usize>j << 2), x);
      j++;
    }
  }
  store<u32>(t, n - 1, 4);
  const hcap = load<u32>(t, 16);
  if (hcap != 0) rehash(t, hcap);
  return true;
}

/** Sorts entries by key in place (merge sort; stable; no pointers to scratch memory remain). */
export function tblSort(t: usize): void {
  if (load<u32>(t, 24) != 0) return;
  const n = load<u32>(t, 4);
  const ents = <usize>load<u32>(t, 12);
  sortPtrs(ents, n, true);
  store<u32>(t, 1, 24);
}

/** Sorts an array of u32 value pointers (byKey: pointers to entries, compare their keys). */
export function sortPtrs(base: usize, n: u32, byKey: bool): void {
  if (n < 2) return;
  if (n <= 16) {
    insertionSort(base, n, byKey);
    return;
  }
  const tmp = malloc(<usize>n << 2);
  mergeSort(base, tmp, 0, n, byKey);
}

function keyAt(base: usize, i: u32, byKey: bool): usize {
  const p = <usize>load<u32>(base + (<usize>i << 2));
  return byKey ? <usize>load<u32>(p) : p;
}

function insertionSort(base: usize, n: u32, byKey: bool): void {
  for (let i: u32 = 1; i < n; i++) {
    const x = load<u32>(base + (<usize>i << 2));
    const kx = byKey ? <usize>load<u32>(<usize>x) : <usize>x;
    let j = i;
    while (j > 0 && compareValues(keyAt(base, j - 1, byKey), kx) > 0) {
      store<u32>(base + (<usize>j << 2), load<u32>(base + (<usize>(j - 1) << 2)));
      j--;
    }
    store<u32>(base + (<usize>j << 2), x);
  }
}

function mergeSort(base: usize, tmp: usize, lo: u32, hi: u32, byKey: bool): void {
  if (hi - lo <= 16) {
    insertionSort(base + (<usize>lo << 2), hi - lo, byKey);
    return;
  }
  const mid = lo + ((hi - lo) >> 1);
  mergeSort(base, tmp, lo, mid, byKey);
  mergeSort(base, tmp, mid, hi, byKey);
  if (compareValues(keyAt(base, mid - 1, byKey), keyAt(base, mid, byKey)) <= 0) return;
  let i = lo;
  let j = mid;
  let k = lo;
  while (i < mid && j < hi) {
    if (compareValues(keyAt(base, j, byKey), keyAt(base, i, byKey)) < 0) {
      store<u32>(tmp + (<usize>k << 2), load<u32>(base + (<usize>j << 2)));
      j++;
    } else {
      store<u32>(tmp + (<usize>k << 2), load<u32>(base + (<usize>i << 2)));
      i++;
    }
    k++;
  }
  while (i < mid) {
    store<u32>(tmp + (<usize>k << 2), load<u32>(base + (<usize>i << 2)));
    i++;
    k++;
  }
  while (j < hi) {
    store<u32>(tmp + (<usize>k << 2), load<u32>(base + (<usize>j << 2)));
    j++;
    k++;
  }
  memory.copy(base + (<usize>lo << 2), tmp + (<usize>lo << 2), <usize>(hi - lo) << 2);
}

// ---------------------------------------------------------------- numbers (comparison helpers)

/** Parses the exact text of a number ref into an f64. */
export function refToF64(ptr: usize, len: u32): f64 {
  return parseFloat(String.UTF8.decodeUnsafe(ptr, <usize>len, false));
}

export function numToF64(v: usize): f64 {
  const k = load<u32>(v, 4);
  if (k == N_INT) return <f64>load<i64>(v, 8);
  if (k == N_FLOAT) return load<f64>(v, 8);
  return refToF64(refPtr(v), refLen(v));
}

/** True if the ref text is a plain integer (optional '-', digits only). */
export function refIsInteger(ptr: usize, len: u32): bool {
  if (len == 0) return false;
  let i: u32 = 0;
  if (load<u8>(ptr) == 45) i = 1;
  if (i == len) return false;
  for (; i < len; i++) {
    const c = load<u8>(ptr + <usize>i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** Compares two integer texts (optional '-', digits, leading zeros allowed). */
export function compareIntText(ap: usize, al: u32, bp: usize, bl: u32): i32 {
  let an = load<u8>(ap) == 45;
  let bn = load<u8>(bp) == 45;
  let ai: u32 = an ? 1 : 0;
  let bi: u32 = bn ? 1 : 0;
  while (ai < al - 1 && load<u8>(ap + <usize>ai) == 48) ai++;
  while (bi < bl - 1 && load<u8>(bp + <usize>bi) == 48) bi++;
  const aZero = al - ai == 1 && load<u8>(ap + <usize>ai) == 48;
  const bZero = bl - bi == 1 && load<u8>(bp + <usize>bi) == 48;
  if (aZero) an = false;
  if (bZero) bn = false;
  if (an != bn) return an ? -1 : 1;
  let c: i32 = 0;
  const alen = al - ai;
  const blen = bl - bi;
  if (alen != blen) c = alen < blen ? -1 : 1;
  else {
    for (let k: u32 = 0; k < alen; k++) {
      const x = load<u8>(ap + <usize>(ai + k));
      const y = load<u8>(bp + <usize>(bi + k));
      if (x != y) {
        c = x < y ? -1 : 1;
        break;
      }
    }
  }
  return an ? -c : c;
}

/** If v is an integer-valued number in i64 range, stores it in INT_OUT and returns true. */
export let INT_OUT: i64 = 0;

export function numAsI64(v: usize): bool {
  const k = load<u32>(v, 4);
  if (k == N_INT) {
    INT_OUT = load<i64>(v, 8);
    return true;
  }
  if (k == N_FLOAT) {
    const f = load<f64>(v, 8);
    if (f == Math.floor(f) && Math.abs(f) < 9.2e18) {
      INT_OUT = <i64>f;
      return true;
    }
    return false;
  }
  const p = refPtr(v);
  const l = refLen(v);
  if (refIsInteger(p, l)) {
    const digits = load<u8>(p) == 45 ? l - 1 : l;
    if (digits > 18) {
      // might still fit; check exactly against i64 limits
      if (compareIntText(p, l, MAX_I64_TEXT, 19) > 0 || compareIntText(p, l, MIN_I64_TEXT, 20) < 0) return false;
    }
    let r: i64 = 0;
    let i: u32 = load<u8>(p) == 45 ? 1 : 0;
    const neg = i == 1;
    for (; i < l; i++) r = r * 10 - <i64>(load<u8>(p + <usize>i) - 48);
    INT_OUT = neg ? r : -r;
    return true;
  }
  const f = refToF64(p, l);
  if (isFinite(f) && f == Math.floor(f) && Math.abs(f) < 9.0e15) {
    INT_OUT = <i64>f;
    return true;
  }
  return false;
}

const MAX_I64_TEXT: usize = memory.data<u8>([57, 50, 50, 51, 51, 55, 50, 48, 51, 54, 56, 53, 52, 55, 55, 53, 56, 48, 55]);
const MIN_I64_TEXT: usize = memory.data<u8>([45, 57, 50, 50, 51, 51, 55, 50, 48, 51, 54, 56, 53, 52, 55, 55, 53, 56, 48, 56]);

/** Integer text of an integral number (for exact big-integer comparison); 0 if not integral text. */
function bigIntText(v: usize): bool {
  const k = load<u32>(v, 4);
  return k == N_REF && refIsInteger(refPtr(v), refLen(v));
}

export function compareNumbers(a: usize, b: usize): i32 {
  const ka = load<u32>(a, 4);
  const kb = load<u32>(b, 4);
  if (ka == N_INT && kb == N_INT) {
    const x = load<i64>(a, 8);
    const y = load<i64>(b, 8);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (bigIntText(a) || bigIntText(b)) {
    // exact comparison when both are integers
    const ai = ka == N_INT || bigIntText(a);
    const bi = kb == N_INT || bigIntText(b);
    if (ai && bi) {
      const at = intText(a);
      const bt = intText(b);
      return compareIntText(strPtr(at), strLen(at), strPtr(bt), strLen(bt));
    }
  }
  const x = numToF64(a);
  const y = numToF64(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Decimal text of an integer-valued int or ref number, as a string value. */
export function intText(v: usize): usize {
  if (load<u32>(v, 4) == N_REF) return mkStringRef(refPtr(v), refLen(v));
  return mkStringFromAS(load<i64>(v, 8).toString());
}

// ---------------------------------------------------------------- ordering, equality, hashing

function compareBytes(ap: usize, al: u32, bp: usize, bl: u32): i32 {
  const n = al < bl ? al : bl;
  for (let i: u32 = 0; i < n; i++) {
    const x = load<u8>(ap + <usize>i);
    const y = load<u8>(bp + <usize>i);
    if (x != y) return x < y ? -1 : 1;
  }
  return al < bl ? -1 : al > bl ? 1 : 0;
}

export function compareStrings(a: usize, b: usize): i32 {
  return compareBytes(strPtr(a), strLen(a), strPtr(b), strLen(b));
}

/** OPA's total order over values. */
export function compareValues(a: usize, b: usize): i32 {
  if (a == b) return 0;
  if (a == 0) return -1;
  if (b == 0) return 1;
  const ta = load<u32>(a);
  const tb = load<u32>(b);
  if (ta != tb) return ta < tb ? -1 : 1;
  switch (ta) {
    case T_NULL:
      return 0;
    case T_BOOLEAN: {
      const x = load<u32>(a, 4);
      const y = load<u32>(b, 4);
      return x == y ? 0 : x < y ? -1 : 1;
    }
    case T_NUMBER:
      return compareNumbers(a, b);
    case T_STRING:
      return compareStrings(a, b);
    case T_ARRAY: {
      const n = arrLen(a);
      const m = arrLen(b);
      const k = n < m ? n : m;
      for (let i: u32 = 0; i < k; i++) {
        const c = compareValues(arrGet(a, i), arrGet(b, i));
        if (c != 0) return c;
      }
      return n < m ? -1 : n > m ? 1 : 0;
    }
    case T_OBJECT: {
      tblSort(a);
      tblSort(b);
      const n = tblCount(a);
      const m = tblCount(b);
      const k = n < m ? n : m;
      for (let i: u32 = 0; i < k; i++) {
        const ea = tblEntry(a, i);
        const eb = tblEntry(b, i);
        let c = compareValues(entKey(ea), entKey(eb));
        if (c != 0) return c;
        c = compareValues(entValue(ea), entValue(eb));
        if (c != 0) return c;
      }
      return n < m ? -1 : n > m ? 1 : 0;
    }
    case T_SET: {
      tblSort(a);
      tblSort(b);
      const n = tblCount(a);
      const m = tblCount(b);
      const k = n < m ? n : m;
      for (let i: u32 = 0; i < k; i++) {
        const c = compareValues(entKey(tblEntry(a, i)), entKey(tblEntry(b, i)));
        if (c != 0) return c;
      }
      return n < m ? -1 : n > m ? 1 : 0;
    }
  }
  return 0;
}

export function valueEqual(a: usize, b: usize): bool {
  if (a == b) return true;
  if (a == 0 || b == 0) return false;
  const ta = load<u32>(a);
  if (ta != load<u32>(b)) return false;
  switch (ta) {
    case T_STRING: {
      const n = strLen(a);
      if (n != strLen(b)) return false;
      return memory.compare(strPtr(a), strPtr(b), <usize>n) == 0;
    }
    case T_NUMBER:
      return compareNumbers(a, b) == 0;
    case T_ARRAY: {
      const n = arrLen(a);
      if (n != arrLen(b)) return false;
      for (let i: u32 = 0; i < n; i++) if (!valueEqual(arrGet(a, i), arrGet(b, i))) return false;
      return true;
    }
    case T_OBJECT: {
      const n = tblCount(a);
      if (n != tblCount(b)) return false;
      for (let i: u32 = 0; i < n; i++) {
        const e = tblEntry(a, i);
        const f = tblFind(b, entKey(e));
        if (f == 0 || !valueEqual(entValue(e), entValue(f))) return false;
      }
      return true;
    }
    case T_SET: {
      const n = tblCount(a);
      if (n != tblCount(b)) return false;
      for (let i: u32 = 0; i < n; i++) if (tblFind(b, entKey(tblEntry(a, i))) == 0) return false;
      return true;
    }
  }
  return compareValues(a, b) == 0;
}

function mix(h: u32): u32 {
  h ^= h >> 16;
  h *= 0x85ebca6b;
  h ^= h >> 13;
  h *= 0xc2b2ae35;
  h ^= h >> 16;
  return h;
}

export function hashBytes(p: usize, n: u32): u32 {
  let h: u32 = 2166136261;
  for (let i: u32 = 0; i < n; i++) {
    h ^= load<u8>(p + <usize>i);
    h *= 16777619;
  }
  return h;
}

export function hashValue(v: usize): u32 {
  switch (load<u32>(v)) {
    case T_NULL:
      return 0x9e3779b9;
    case T_BOOLEAN:
      return load<u32>(v, 4) != 0 ? 0x51ed27 : 0x3c6ef372;
    case T_NUMBER: {
      let f: f64;
      if (numKind(v) == N_INT) f = <f64>intOf(v);
      else f = numToF64(v);
      if (f == 0) f = 0; // -0
      const bits = reinterpret<u64>(f);
      return mix(<u32>bits ^ <u32>(bits >> 32) ^ 0x1234567);
    }
    case T_STRING:
      return mix(hashBytes(strPtr(v), strLen(v)));
    case T_ARRAY: {
      let h: u32 = 0x2545f491;
      const n = arrLen(v);
      for (let i: u32 = 0; i < n; i++) h = h * 31 + hashValue(arrGet(v, i));
      return mix(h);
    }
    case T_OBJECT: {
      let h: u32 = 0x6a09e667;
      const n = tblCount(v);
      for (let i: u32 = 0; i < n; i++) {
        const e = tblEntry(v, i);
        h += mix(hashValue(entKey(e)) * 31 + hashValue(entValue(e)));
      }
      return mix(h);
    }
    case T_SET: {
      let h: u32 = 0xbb67ae85;
      const n = tblCount(v);
      for (let i: u32 = 0; i < n; i++) h += mix(hashValue(entKey(tblEntry(v, i))));
      return mix(h);
    }
  }
  return 0;
}

// ---------------------------------------------------------------- copies

/** Copy of a collection's top level (elements shared). */
export function shallowCopy(v: usize): usize {
  const t = load<u32>(v);
  if (t == T_ARRAY) {
    const n = arrLen(v);
    const r = mkArray(n);
    for (let i: u32 = 0; i < n; i++) arrAppend(r, arrGet(v, i));
    return r;
  }
  if (t == T_OBJECT) {
    const r = mkObject();
    const n = tblCount(v);
    for (let i: u32 = 0; i < n; i++) {
      const e = tblEntry(v, i);
      tblAppend(r, entKey(e), entValue(e));
    }
    return r;
  }
  if (t == T_SET) {
    const r = mkSet();
    const n = tblCount(v);
    for (let i: u32 = 0; i < n; i++) {
      const e = tblEntry(v, i);
      tblAppend(r, entKey(e), entKey(e));
    }
    return r;
  }
  return v;
}

/** Appends an entry known to be absent (for building copies quickly). */
export function tblAppendNew(t: usize, key: usize, value: usize): void {
  tblAppend(t, key, value);
}

export function fail(msg: string): void {
  abortWith(msg);
}
