// Array, object and generic collection builtins.
import {
  T_NULL, T_BOOLEAN, T_NUMBER, T_STRING, T_ARRAY, T_OBJECT, T_SET,
  mkArray, arrAppend, arrLen, arrGet, mkObject, mkSet, objInsert, objGet, setAdd, setHas, tblCount, tblEntry,
  entKey, entValue, tblSort, tblFind, mkBool, mkInt, valueEqual, mkStringFromAS, mkStringRef, strPtr, strLen,
  numAsI64, INT_OUT, shallowCopy, tblRemove,
} from "../value";
import { setError } from "./errors";
import { isNumber } from "./numbers";
import { elements } from "./sets";
import { opa_rt_dot } from "../index";

function isT(v: usize, t: u32): bool {
  return v != 0 && load<u32>(v) == t;
}

// ---------------------------------------------------------------- arrays

export function opa_b_array_concat(a: usize, b: usize): usize {
  if (!isT(a, T_ARRAY) || !isT(b, T_ARRAY)) return setError("array.concat: operands must be arrays");
  const r = mkArray(arrLen(a) + arrLen(b));
  for (let i: u32 = 0; i < arrLen(a); i++) arrAppend(r, arrGet(a, i));
  for (let i: u32 = 0; i < arrLen(b); i++) arrAppend(r, arrGet(b, i));
  return r;
}

export function opa_b_array_reverse(a: usize): usize {
  if (!isT(a, T_ARRAY)) return setError("array.reverse: operand must be an array");
  const n = arrLen(a);
  const r = mkArray(n);
  for (let i = n; i > 0; i--) arrAppend(r, arrGet(a, i - 1));
  return r;
}

export function opa_b_array_slice(a: usize, start: usize, stop: usize): usize {
  if (!isT(a, T_ARRAY) || !isNumber(start) || !isNumber(stop)) return setError("array.slice: invalid operands");
  if (!numAsI64(start)) return setError("array.slice: start must be an integer");
  let s = INT_OUT;
  if (!numAsI64(stop)) return setError("array.slice: stop must be an integer");
  let e = INT_OUT;
  const n = <i64>arrLen(a);
  if (s < 0) s = 0;
  if (e > n) e = n;
  const r = mkArray(4);
  for (let i = s; i < e; i++) arrAppend(r, arrGet(a, <u32>i));
  return r;
}

// ---------------------------------------------------------------- objects

export function opa_b_object_get(o: usize, key: usize, dflt: usize): usize {
  if (!isT(o, T_OBJECT)) return setError("object.get: operand must be an object");
  if (!isT(key, T_ARRAY)) {
    const v = objGet(o, key);
    return v != 0 ? v : dflt;
  }
  const n = arrLen(key);
  if (n == 0) return o;
  let cur = o;
  for (let i: u32 = 0; i < n; i++) {
    cur = opa_rt_dot(cur, arrGet(key, i));
    if (cur == 0) return dflt;
  }
  return cur;
}

export function opa_b_object_keys(o: usize): usize {
  if (!isT(o, T_OBJECT)) return setError("object.keys: operand must be an object");
  const r = mkSet();
  for (let i: u32 = 0; i < tblCount(o); i++) setAdd(r, entKey(tblEntry(o, i)));
  return r;
}

/** Keys given as an array, a set, or an object's keys. */
function keySet(k: usize): usize {
  if (isT(k, T_SET)) return k;
  if (isT(k, T_ARRAY)) {
    const s = mkSet();
    for (let i: u32 = 0; i < arrLen(k); i++) setAdd(s, arrGet(k, i));
    return s;
  }
  if (isT(k, T_OBJECT)) {
    const s = mkSet();
    for (let i: u32 = 0; i < tblCount(k); i++) setAdd(s, entKey(tblEntry(k, i)));
    return s;
  }
  return 0;
}

export function opa_b_object_remove(o: usize, keys: usize): usize {
  if (!isT(o, T_OBJECT)) return setError("object.remove: operand must be an object");
  const ks = keySet(keys);
  if (ks == 0) return setError("object.remove: keys must be an array, set or object");
  const r = mkObject();
  for (let i: u32 = 0; i < tblCount(o); i++) {
    const e = tblEntry(o, i);
    if (!setHas(ks, entKey(e))) objInsert(r, entKey(e), entValue(e));
  }
  return r;
}

export function opa_b_object_filter(o: usize, keys: usize): usize {
  if (!isT(o, T_OBJECT)) return setError("object.filter: operand must be an object");
  const ks = keySet(keys);
  if (ks == 0) return setError("object.filter: keys must be an array, set or object");
  const r = mkObject();
  for (let i: u32 = 0; i < tblCount(o); i++) {
    const e = tblEntry(o, i);
    if (setHas(ks, entKey(e))) objInsert(r, entKey(e), entValue(e));
  }
  return r;
}

function unionObjects(a: usize, b: usize): usize {
  const r = shallowCopy(a);
  for (let i: u32 = 0; i < tblCount(b); i++) {
    const e = tblEntry(b, i);
    const k = entKey(e);
    const v = entValue(e);
    const av = objGet(r, k);
    if (av != 0 && isT(av, T_OBJECT) && isT(v, T_OBJECT)) objInsert(r, k, unionObjects(av, v));
    else objInsert(r, k, v);
  }
  return r;
}

export function opa_b_object_union(a: usize, b: usize): usize {
  if (!isT(a, T_OBJECT) || !isT(b, T_OBJECT)) return setError("object.union: operands must be objects");
  return unionObjects(a, b);
}

export function opa_b_object_union_n(a: usize): usize {
  if (!isT(a, T_ARRAY)) return setError("object.union_n: operand must be an array of objects");
  let r = mkObject();
  for (let i: u32 = 0; i < arrLen(a); i++) {
    const x = arrGet(a, i);
    if (!isT(x, T_OBJECT)) return setError("object.union_n: operand must be an array of objects");
    r = unionObjects(r, x);
  }
  return r;
}

// ---------------------------------------------------------------- object.subset

function arraySubset(sup: usize, sub: usize): bool {
  const n = arrLen(sup);
  const m = arrLen(sub);
  if (m == 0) return true;
  for (let i: u32 = 0; i + m <= n; i++) {
    let ok = true;
    for (let j: u32 = 0; j < m; j++) {
      if (!valueEqual(arrGet(sup, i + j), arrGet(sub, j))) {
        ok = false;
        break;
      }
    }
    if (ok) return true;
  }
  return false;
}

function setSubset(sup: usize, sub: usize): bool {
  for (let i: u32 = 0; i < tblCount(sub); i++) if (!setHas(sup, entKey(tblEntry(sub, i)))) return false;
  return true;
}

/** 1 subset, 0 not, -1 type error. */
function subset(sup: usize, sub: usize): i32 {
  const a = load<u32>(sup);
  const b = load<u32>(sub);
  if (a == T_OBJECT && b == T_OBJECT) {
    for (let i: u32 = 0; i < tblCount(sub); i++) {
      const e = tblEntry(sub, i);
      const sv = objGet(sup, entKey(e));
      if (sv == 0) return 0;
      const v = entValue(e);
      const ta = load<u32>(sv);
      const tb = load<u32>(v);
      if ((ta == T_OBJECT && tb == T_OBJECT) || (ta == T_SET && tb == T_SET) || (ta == T_ARRAY && tb == T_ARRAY) || (ta == T_ARRAY && tb == T_SET)) {
        if (subset(sv, v) != 1) return 0;
      } else if (!valueEqual(sv, v)) return 0;
    }
    return 1;
  }
  if (a == T_SET && b == T_SET) return setSubset(sup, sub) ? 1 : 0;
  if (a == T_ARRAY && b == T_ARRAY) return arraySubset(sup, sub) ? 1 : 0;
  if (a == T_ARRAY && b == T_SET) {
    for (let i: u32 = 0; i < tblCount(sub); i++) {
      const x = entKey(tblEntry(sub, i));
      let found = false;
      for (let j: u32 = 0; j < arrLen(sup); j++) {
        if (valueEqual(arrGet(sup, j), x)) {
          found = true;
          break;
        }
      }
      if (!found) return 0;
    }
    return 1;
  }
  return -1;
}

export function opa_b_object_subset(sup: usize, sub: usize): usize {
  const r = subset(sup, sub);
  if (r < 0) return setError("object.subset: both arguments must be objects, sets or arrays (or an array and a set)");
  return mkBool(r == 1);
}

// ---------------------------------------------------------------- membership, walk, types

export function opa_b_internal_member_2(x: usize, c: usize): usize {
  if (c == 0) return mkBool(false);
  const t = load<u32>(c);
  if (t == T_SET) return mkBool(setHas(c, x));
  if (t == T_ARRAY) {
    for (let i: u32 = 0; i < arrLen(c); i++) if (valueEqual(arrGet(c, i), x)) return mkBool(true);
    return mkBool(false);
  }
  if (t == T_OBJECT) {
    for (let i: u32 = 0; i < tblCount(c); i++) if (valueEqual(entValue(tblEntry(c, i)), x)) return mkBool(true);
    return mkBool(false);
  }
  return mkBool(false);
}

export function opa_b_internal_member_3(k: usize, v: usize, c: usize): usize {
  if (c == 0) return mkBool(false);
  const t = load<u32>(c);
  if (t == T_OBJECT || t == T_ARRAY) {
    const x = opa_rt_dot(c, k);
    return mkBool(x != 0 && valueEqual(x, v));
  }
  // a set element is its own key
  if (t == T_SET) return mkBool(valueEqual(k, v) && setHas(c, k));
  return mkBool(false);
}

function walkInto(r: usize, path: usize, v: usize): void {
  const pair = mkArray(2);
  const p = mkArray(arrLen(path));
  for (let i: u32 = 0; i < arrLen(path); i++) arrAppend(p, arrGet(path, i));
  arrAppend(pair, p);
  arrAppend(pair, v);
  arrAppend(r, pair);
  const t = load<u32>(v);
  if (t == T_ARRAY) {
    for (let i: u32 = 0; i < arrLen(v); i++) {
      arrAppend(path, mkInt(<i64>i));
      walkInto(r, path, arrGet(v, i));
      store<u32>(path, arrLen(path) - 1, 4);
    }
  } else if (t == T_OBJECT || t == T_SET) {
    tblSort(v);
    for (let i: u32 = 0; i < tblCount(v); i++) {
      const e = tblEntry(v, i);
      arrAppend(path, entKey(e));
      walkInto(r, path, t == T_SET ? entKey(e) : entValue(e));
      store<u32>(path, arrLen(path) - 1, 4);
    }
  }
}

/** walk(x): all [path, value] pairs of x, pre-order (the planner scans the result). */
export function opa_b_walk(v: usize): usize {
  const r = mkArray(16);
  walkInto(r, mkArray(8), v);
  return r;
}

export function opa_b_type_name(v: usize): usize {
  switch (load<u32>(v)) {
    case T_NULL:
      return mkStringFromAS("null");
    case T_BOOLEAN:
      return mkStringFromAS("boolean");
    case T_NUMBER:
      return mkStringFromAS("number");
    case T_STRING:
      return mkStringFromAS("string");
    case T_ARRAY:
      return mkStringFromAS("array");
    case T_OBJECT:
      return mkStringFromAS("object");
    case T_SET:
      return mkStringFromAS("set");
  }
  return 0;
}

// ---------------------------------------------------------------- json.filter / json.remove

/** Path operand: "a/b/c" or ["a", "b", "c"] -> array of keys. */
function parsePath(p: usize): usize {
  if (isT(p, T_ARRAY)) return p;
  if (!isT(p, T_STRING)) return 0;
  const r = mkArray(4);
  let sp = strPtr(p);
  let n = strLen(p);
  // leading slash is optional
  if (n > 0 && load<u8>(sp) == 47) {
    sp++;
    n--;
  }
  if (n == 0) return r;
  let start: u32 = 0;
  for (let i: u32 = 0; i <= n; i++) {
    if (i == n || load<u8>(sp + <usize>i) == 47) {
      arrAppend(r, mkStringRef(sp + <usize>start, i - start));
      start = i + 1;
    }
  }
  return r;
}

/** Trie of paths: objects keyed by path component; a null value marks a complete path. */
function buildTrie(paths: usize): usize {
  const ps = elements(paths);
  if (ps == 0) return 0;
  const root = mkObject();
  for (let i: u32 = 0; i < arrLen(ps); i++) {
    const path = parsePath(arrGet(ps, i));
    if (path == 0) return 0;
    let node = root;
    const n = arrLen(path);
    if (n == 0) return T_NULL; // the empty path selects everything
    for (let j: u32 = 0; j < n; j++) {
      const k = arrGet(path, j);
      const last = j == n - 1;
      let child = objGet(node, k);
      if (last) {
        objInsert(node, k, LEAF);
        break;
      }
      if (child == LEAF) break;
      if (child == 0) {
        child = mkObject();
        objInsert(node, k, child);
      }
      node = child;
    }
  }
  return root;
}

const LEAF: usize = memory.data<u32>([1]);

/** Looks up a collection child by a path component (strings address array indexes too). */
function childKey(v: usize, k: usize): usize {
  if (isT(v, T_ARRAY) && isT(k, T_STRING)) {
    let x: i64 = 0;
    const n = strLen(k);
    if (n == 0) return 0;
    for (let i: u32 = 0; i < n; i++) {
      const c = load<u8>(strPtr(k) + <usize>i);
      if (c < 48 || c > 57) return 0;
      x = x * 10 + <i64>(c - 48);
    }
    return mkInt(x);
  }
  return k;
}

function filterBy(v: usize, trie: usize): usize {
  if (trie == LEAF) return v;
  const t = load<u32>(v);
  if (t == T_OBJECT) {
    const r = mkObject();
    for (let i: u32 = 0; i < tblCount(trie); i++) {
      const e = tblEntry(trie, i);
      const x = objGet(v, entKey(e));
      if (x != 0) objInsert(r, entKey(e), filterBy(x, entValue(e)));
    }
    return r;
  }
  if (t == T_SET) {
    const r = mkSet();
    for (let i: u32 = 0; i < tblCount(trie); i++) {
      const e = tblEntry(trie, i);
      if (setHas(v, entKey(e))) setAdd(r, filterBy(entKey(e), entValue(e)));
    }
    return r;
  }
  if (t == T_ARRAY) {
    const r = mkArray(4);
    for (let i: u32 = 0; i < arrLen(v); i++) {
      const idx = mkInt(<i64>i);
      let sub: usize = 0;
      for (let j: u32 = 0; j < tblCount(trie); j++) {
        const e = tblEntry(trie, j);
        const ck = childKey(v, entKey(e));
        if (ck != 0 && valueEqual(ck, idx)) sub = entValue(e);
      }
      if (sub != 0) arrAppend(r, filterBy(arrGet(v, i), sub));
    }
    return r;
  }
  return v;
}

function removeBy(v: usize, trie: usize): usize {
  const t = load<u32>(v);
  if (t == T_OBJECT) {
    const r = mkObject();
    for (let i: u32 = 0; i < tblCount(v); i++) {
      const e = tblEntry(v, i);
      const sub = objGet(trie, entKey(e));
      if (sub == LEAF) continue;
      objInsert(r, entKey(e), sub == 0 ? entValue(e) : removeBy(entValue(e), sub));
    }
    return r;
  }
  if (t == T_SET) {
    const r = mkSet();
    for (let i: u32 = 0; i < tblCount(v); i++) {
      const k = entKey(tblEntry(v, i));
      const sub = objGet(trie, k);
      if (sub == LEAF) continue;
      setAdd(r, sub == 0 ? k : removeBy(k, sub));
    }
    return r;
  }
  if (t == T_ARRAY) {
    const r = mkArray(4);
    for (let i: u32 = 0; i < arrLen(v); i++) {
      const idx = mkInt(<i64>i);
      let sub: usize = 0;
      for (let j: u32 = 0; j < tblCount(trie); j++) {
        const e = tblEntry(trie, j);
        const ck = childKey(v, entKey(e));
        if (ck != 0 && valueEqual(ck, idx)) sub = entValue(e);
      }
      if (sub == LEAF) continue;
      arrAppend(r, sub == 0 ? arrGet(v, i) : removeBy(arrGet(v, i), sub));
    }
    return r;
  }
  return v;
}

export function opa_b_json_filter(o: usize, paths: usize): usize {
  if (!isT(o, T_OBJECT)) return setError("json.filter: operand must be an object");
  const trie = buildTrie(paths);
  if (trie == 0) return setError("json.filter: paths must be an array or set of strings or arrays");
  if (trie == T_NULL) return o;
  return filterBy(o, trie);
}

export function opa_b_json_remove(o: usize, paths: usize): usize {
  if (!isT(o, T_OBJECT)) return setError("json.remove: operand must be an object");
  const trie = buildTrie(paths);
  if (trie == 0) return setError("json.remove: paths must be an array or set of strings or arrays");
  if (trie == T_NULL) return mkObject();
  return removeBy(o, trie);
}

