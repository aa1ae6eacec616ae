// Set builtins and aggregates.
import {
  T_NUMBER, T_STRING, T_ARRAY, T_OBJECT, T_SET, T_BOOLEAN,
  mkSet, setAdd, setHas, tblCount, tblEntry, entKey, entValue, tblSort, mkArray, arrAppend, arrLen, arrGet,
  mkInt, mkBool, boolOf, compareValues, sortPtrs, arrElems, strLen, strPtr,
} from "../value";
import { setError } from "./errors";
import { arithPlus, arithMul } from "./numbers";
import { utf8Count } from "../index";

function isSet(v: usize): bool {
  return v != 0 && load<u32>(v) == T_SET;
}

export function setDiff(a: usize, b: usize): usize {
  const r = mkSet();
  const n = tblCount(a);
  for (let i: u32 = 0; i < n; i++) {
    const k = entKey(tblEntry(a, i));
    if (!setHas(b, k)) setAdd(r, k);
  }
  return r;
}

export function opa_b_set_diff(a: usize, b: usize): usize {
  if (!isSet(a) || !isSet(b)) return setError("set_diff: operands must be sets");
  return setDiff(a, b);
}

export function opa_b_and(a: usize, b: usize): usize {
  if (!isSet(a) || !isSet(b)) return setError("and: operands must be sets");
  const r = mkSet();
  const n = tblCount(a);
  for (let i: u32 = 0; i < n; i++) {
    const k = entKey(tblEntry(a, i));
    if (setHas(b, k)) setAdd(r, k);
  }
  return r;
}

export function opa_b_or(a: usize, b: usize): usize {
  if (!isSet(a) || !isSet(b)) return setError("or: operands must be sets");
  const r = mkSet();
  let n = tblCount(a);
  for (let i: u32 = 0; i < n; i++) setAdd(r, entKey(tblEntry(a, i)));
  n = tblCount(b);
  for (let i: u32 = 0; i < n; i++) setAdd(r, entKey(tblEntry(b, i)));
  return r;
}

export function opa_b_intersection(s: usize): usize {
  if (!isSet(s)) return setError("intersection: operand must be a set of sets");
  const n = tblCount(s);
  if (n == 0) return mkSet();
  for (let i: u32 = 0; i < n; i++) if (!isSet(entKey(tblEntry(s, i)))) return setError("intersection: operand must be a set of sets");
  let r = entKey(tblEntry(s, 0));
  for (let i: u32 = 1; i < n; i++) r = opa_b_and(r, entKey(tblEntry(s, i)));
  if (n == 1) {
    const c = mkSet();
    const m = tblCount(r);
    for (let i: u32 = 0; i < m; i++) setAdd(c, entKey(tblEntry(r, i)));
    return c;
  }
  return r;
}

export function opa_b_union(s: usize): usize {
  if (!isSet(s)) return setError("union: operand must be a set of sets");
  const r = mkSet();
  const n = tblCount(s);
  for (let i: u32 = 0; i < n; i++) {
    const x = entKey(tblEntry(s, i));
    if (!isSet(x)) return setError("union: operand must be a set of sets");
    const m = tblCount(x);
    for (let j: u32 = 0; j < m; j++) setAdd(r, entKey(tblEntry(x, j)));
  }
  return r;
}

// ---------------------------------------------------------------- aggregates

/** Elements of an array or set (sets in sorted order), or 0 if v is neither. */
export function elements(v: usize): usize {
  if (v == 0) return 0;
  const t = load<u32>(v);
  if (t == T_ARRAY) return v;
  if (t == T_SET) {
    tblSort(v);
    const n = tblCount(v);
    const a = mkArray(n);
    for (let i: u32 = 0; i < n; i++) arrAppend(a, entKey(tblEntry(v, i)));
    return a;
  }
  return 0;
}

export function opa_b_count(v: usize): usize {
  const t = load<u32>(v);
  if (t == T_ARRAY) return mkInt(<i64>arrLen(v));
  if (t == T_OBJECT || t == T_SET) return mkInt(<i64>tblCount(v));
  if (t == T_STRING) return mkInt(<i64>utf8Count(strPtr(v), strLen(v)));
  return setError("count: operand must be one of: object, set, array, string");
}

export function opa_b_sum(v: usize): usize {
  const a = elements(v);
  if (a == 0) return setError("sum: operand must be an array or set");
  let r = mkInt(0);
  const n = arrLen(a);
  for (let i: u32 = 0; i < n; i++) {
    const x = arrGet(a, i);
    if (load<u32>(x) != T_NUMBER) return setError("sum: operand must contain numbers");
    r = arithPlus(r, x);
  }
  return r;
}

export function opa_b_product(v: usize): usize {
  const a = elements(v);
  if (a == 0) return setError("product: operand must be an array or set");
  let r = mkInt(1);
  const n = arrLen(a);
  for (let i: u32 = 0; i < n; i++) {
    const x = arrGet(a, i);
    if (load<u32>(x) != T_NUMBER) return setError("product: operand must contain numbers");
    r = arithMul(r, x);
  }
  return r;
}

function extreme(v: usize, sign: i32): usize {
  const a = elements(v);
  if (a == 0) return setError("max/min: operand must be an array or set");
  const n = arrLen(a);
  if (n == 0) return 0;
  let r = arrGet(a, 0);
  for (let i: u32 = 1; i < n; i++) {
    const x = arrGet(a, i);
    if (compareValues(x, r) * sign > 0) r = x;
  }
  return r;
}

export function opa_b_max(v: usize): usize {
  return extreme(v, 1);
}

export function opa_b_min(v: usize): usize {
  return extreme(v, -1);
}

export function opa_b_sort(v: usize): usize {
  if (v == 0) return 0;
  const t = load<u32>(v);
  if (t == T_SET) return elements(v);
  if (t != T_ARRAY) return setError("sort: operand must be an array or set");
  const n = arrLen(v);
  const r = mkArray(n);
  for (let i: u32 = 0; i < n; i++) arrAppend(r, arrGet(v, i));
  sortPtrs(arrElems(r), n, false);
  return r;
}

export function opa_b_all(v: usize): usize {
  const a = elements(v);
  if (a == 0) return setError("all: operand must be an array or set");
  const n = arrLen(a);
  for (let i: u32 = 0; i < n; i++) {
    const x = arrGet(a, i);
    if (load<u32>(x) != T_BOOLEAN || !boolOf(x)) return mkBool(false);
  }
  return mkBool(true);
}

export function opa_b_any(v: usize): usize {
  const a = elements(v);
  if (a == 0) return setError("any: operand must be an array or set");
  const n = arrLen(a);
  for (let i: u32 = 0; i < n; i++) {
    const x = arrGet(a, i);
    if (load<u32>(x) == T_BOOLEAN && boolOf(x)) return mkBool(true);
  }
  return mkBool(false);
}

