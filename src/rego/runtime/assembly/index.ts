// Entry of the runtime library: OPA's Wasm ABI exports plus the `opa_rt_*` helpers that the
// code generator (src/rego/wasm) calls from generated policy code. Generated code finds these
// by export name; `eval`, `opa_eval`, `entrypoints` and `builtins` are generated per policy.
import {
  T_NULL, T_BOOLEAN, T_NUMBER, T_STRING, T_ARRAY, T_OBJECT, T_SET,
  mkNull, mkBool, mkInt, mkNumRef, mkArray, arrAppend, arrLen, arrGet, mkObject, mkSet,
  objInsert, objGet, setAdd, tblCount, tblEntry, entKey, entValue, tblSort, tblFind, tblRemove,
  valueEqual, compareValues, strLen, strPtr, shallowCopy, intOf, mkStringRef,
} from "./value";
import { parseJSON, dumpCString } from "./json";
import { runeCountGo } from "./builtins/strings";
import { resetRegexCache } from "./builtins/regex";
import { malloc, heapGet, heapSet } from "./heap";
import { hostArg, hostResult } from "./host";
import { memoReset, memoGet, memoPut } from "./memo";
import { opa_abort, opa_println, opa_builtin0, opa_builtin1, opa_builtin2, opa_builtin3, opa_builtin4 } from "./env";

export { opa_rt_heap_ptr } from "./heap";
export * from "./builtins";

export const opa_wasm_abi_version: i32 = 1;
export const opa_wasm_abi_minor_version: i32 = 3;

// ---------------------------------------------------------------- heap

export function opa_malloc(n: usize): usize {
  return malloc(n);
}

export function opa_free(p: usize): void {}

export function opa_heap_ptr_get(): usize {
  return heapGet();
}

export function opa_heap_ptr_set(p: usize): void {
  heapSet(p);
}

// ---------------------------------------------------------------- JSON

export function opa_json_parse(p: usize, n: usize): usize {
  return parseJSON(p, n, false);
}

export function opa_value_parse(p: usize, n: usize): usize {
  return parseJSON(p, n, true);
}

export function opa_json_dump(v: usize): usize {
  return dumpCString(v, false);
}

export function opa_value_dump(v: usize): usize {
  return dumpCString(v, true);
}

// ---------------------------------------------------------------- data patching

/** Sets base[path...] = value, creating objects along the path. 0 ok, 2 type error, 3 path error. */
export function opa_value_add_path(base: usize, path: usize, value: usize): i32 {
  if (base == 0 || load<u32>(base) != T_OBJECT || path == 0 || load<u32>(path) != T_ARRAY) return 2;
  const n = arrLen(path);
  if (n == 0) return 3;
  let cur = base;
  for (let i: u32 = 0; i < n - 1; i++) {
    const k = arrGet(path, i);
    let next = objGet(cur, k);
    if (next == 0) {
      next = mkObject();
      objInsert(cur, k, next);
    } else if (load<u32>(next) != T_OBJECT) return 2;
    cur = next;
  }
  objInsert(cur, arrGet(path, n - 1), value);
  return 0;
}

export function opa_value_remove_path(base: usize, path: usize): i32 {
  if (base == 0 || path == 0 || load<u32>(path) != T_ARRAY) return 2;
  const n = arrLen(path);
  if (n == 0) return 3;
  let cur = base;
  for (let i: u32 = 0; i < n - 1; i++) {
    if (load<u32>(cur) != T_OBJECT) return 3;
    const next = objGet(cur, arrGet(path, i));
    if (next == 0) return 0;
    cur = next;
  }
  if (load<u32>(cur) != T_OBJECT) return 3;
  tblRemove(cur, arrGet(path, n - 1));
  return 0;
}

// ---------------------------------------------------------------- evaluation context
//   ctx: [input][data][result set][entrypoint]

export function opa_eval_ctx_new(): usize {
  resetRegexCache();
  const c = malloc(16);
  store<u32>(c, 0);
  store<u32>(c, 0, 4);
  store<u32>(c, 0, 8);
  store<u32>(c, 0, 12);
  return c;
}

export function opa_eval_ctx_set_input(c: usize, v: usize): void {
  store<u32>(c, <u32>v);
}

export function opa_eval_ctx_set_data(c: usize, v: usize): void {
  store<u32>(c, <u32>v, 4);
}

export function opa_eval_ctx_set_entrypoint(c: usize, e: i32): void {
  store<u32>(c, <u32>e, 12);
}

export function opa_eval_ctx_get_result(c: usize): usize {
  const r = <usize>load<u32>(c, 8);
  return r == 0 ? mkSet() : r;
}

/** Fast path (ABI 1.2) prologue: reset the heap past the input text, parse it, build a ctx. */
export function opa_rt_eval_begin(entrypoint: i32, data: usize, inputAddr: usize, inputLen: usize, heapPtr: usize): usize {
  heapSet((heapPtr + 7) & ~(<usize>7));
  let input: usize = 0;
  if (inputLen > 0) {
    input = parseJSON(inputAddr, inputLen, false);
    if (input == 0) {
      abortMsg("invalid input JSON");
    }
  }
  const c = opa_eval_ctx_new();
  store<u32>(c, <u32>input);
  store<u32>(c, <u32>data, 4);
  store<u32>(c, <u32>entrypoint, 12);
  return c;
}

/** Fast path epilogue: the result set as JSON text. */
export function opa_rt_eval_end(c: usize, format: i32): usize {
  return dumpCString(opa_eval_ctx_get_result(c), format != 0);
}

export function opa_rt_ctx_input(c: usize): usize {
  return <usize>load<u32>(c);
}

export function opa_rt_ctx_data(c: usize): usize {
  return <usize>load<u32>(c, 4);
}

export function opa_rt_ctx_entrypoint(c: usize): i32 {
  return <i32>load<u32>(c, 12);
}

/** ResultSetAdd: result set += {"result": v}. */
export function opa_rt_result_add(c: usize, v: usize, key: usize): void {
  let rs = <usize>load<u32>(c, 8);
  if (rs == 0) {
    rs = mkSet();
    store<u32>(c, <u32>rs, 8);
  }
  const o = mkObject();
  objInsert(o, key, v);
  setAdd(rs, o);
}

function abortMsg(s: string): void {
  const b = String.UTF8.encode(s, true);
  const p = malloc(<usize>b.byteLength);
  memory.copy(p, changetype<usize>(b), <usize>b.byteLength);
  opa_abort(p);
  unreachable();
}

/** Aborts with a NUL-terminated message placed in static data by the code generator. */
export function opa_rt_abort(msg: usize): void {
  opa_abort(msg);
  unreachable();
}

// ---------------------------------------------------------------- statements

export function opa_rt_null(): usize {
  return mkNull();
}

export function opa_rt_int(i: i64): usize {
  return mkInt(i);
}

export function opa_rt_number_ref(s: usize): usize {
  return mkNumRef(strPtr(s), strLen(s));
}

export function opa_rt_array(cap: i32): usize {
  return mkArray(<u32>cap);
}

export function opa_rt_object(): usize {
  return mkObject();
}

export function opa_rt_set(): usize {
  return mkSet();
}

export function opa_rt_array_append(a: usize, v: usize): void {
  arrAppend(a, v);
}

export function opa_rt_object_insert(o: usize, k: usize, v: usize): void {
  objInsert(o, k, v);
}

/** 0 on success, 1 on conflict (a different value exists for k). */
export function opa_rt_object_insert_once(o: usize, k: usize, v: usize): i32 {
  const e = tblFind(o, k);
  if (e != 0) return valueEqual(entValue(e), v) ? 0 : 1;
  objInsert(o, k, v);
  return 0;
}

export function opa_rt_set_add(s: usize, v: usize): void {
  setAdd(s, v);
}

/** Deep merge of objects; a wins on conflicts. 0 if either is not an object. */
export function opa_rt_object_merge(a: usize, b: usize): usize {
  if (a == 0) return b;
  if (b == 0) return a;
  if (load<u32>(a) != T_OBJECT || load<u32>(b) != T_OBJECT) return a;
  return mergeObjects(a, b);
}

export function mergeObjects(a: usize, b: usize): usize {
  const r = shallowCopy(a);
  const n = tblCount(b);
  for (let i: u32 = 0; i < n; i++) {
    const e = tblEntry(b, i);
    const k = entKey(e);
    const av = objGet(r, k);
    if (av == 0) objInsert(r, k, entValue(e));
    else if (load<u32>(av) == T_OBJECT && load<u32>(entValue(e)) == T_OBJECT) objInsert(r, k, mergeObjects(av, entValue(e)));
  }
  return r;
}

/** source[key] or 0. */
export function opa_rt_dot(src: usize, key: usize): usize {
  if (src == 0 || key == 0) return 0;
  const t = load<u32>(src);
  if (t == T_OBJECT) return objGet(src, key);
  if (t == T_SET) {
    const e = tblFind(src, key);
    return e == 0 ? 0 : entKey(e);
  }
  if (t == T_ARRAY) {
    if (load<u32>(key) != T_NUMBER) return 0;
    if (!isIndex(key)) return 0;
    const i = INDEX;
    if (i < 0 || i >= <i64>arrLen(src)) return 0;
    return arrGet(src, <u32>i);
  }
  return 0;
}

let INDEX: i64 = 0;

function isIndex(k: usize): bool {
  const kind = load<u32>(k, 4);
  if (kind == 0) {
    INDEX = intOf(k);
    return true;
  }
  // floats and refs: integral values only
  const f = load<u32>(k, 4) == 1 ? load<f64>(k, 8) : parseFloat(String.UTF8.decodeUnsafe(<usize>load<u32>(k, 8), <usize>load<u32>(k, 12), false));
  if (f != Math.floor(f) || !isFinite(f)) return false;
  INDEX = <i64>f;
  return true;
}

/** Length of a string (code points), array, object or set; 0 (undefined) otherwise. */
export function opa_rt_len(v: usize): usize {
  if (v == 0) return 0;
  const t = load<u32>(v);
  if (t == T_ARRAY) return mkInt(<i64>arrLen(v));
  if (t == T_OBJECT || t == T_SET) return mkInt(<i64>tblCount(v));
  if (t == T_STRING) return mkInt(<i64>utf8Count(strPtr(v), strLen(v)));
  return 0;
}

export function utf8Count(p: usize, n: u32): u32 {
  return runeCountGo(p, n);
}

export function opa_rt_equal(a: usize, b: usize): i32 {
  if (a == 0 || b == 0) return 0;
  return valueEqual(a, b) ? 1 : 0;
}

export function opa_rt_compare(a: usize, b: usize): i32 {
  return compareValues(a, b);
}

export function opa_rt_type(v: usize): i32 {
  return v == 0 ? 0 : <i32>load<u32>(v);
}

// ---------------------------------------------------------------- scans
//   Iteration is by index; objects and sets iterate in sorted key order, as OPA does.

/** Number of elements to scan, or -1 if v is not a collection. */
export function opa_rt_scan_len(v: usize): i32 {
  if (v == 0) return -1;
  const t = load<u32>(v);
  if (t == T_ARRAY) return <i32>arrLen(v);
  if (t == T_OBJECT || t == T_SET) {
    tblSort(v);
    return <i32>tblCount(v);
  }
  return -1;
}

export function opa_rt_scan_key(v: usize, i: i32): usize {
  const t = load<u32>(v);
  if (t == T_ARRAY) return mkInt(<i64>i);
  return entKey(tblEntry(v, <u32>i));
}

export function opa_rt_scan_value(v: usize, i: i32): usize {
  const t = load<u32>(v);
  if (t == T_ARRAY) return arrGet(v, <u32>i);
  if (t == T_SET) return entKey(tblEntry(v, <u32>i));
  return entValue(tblEntry(v, <u32>i));
}

// ---------------------------------------------------------------- with

/** Copy of base with base[path...] = value (objects created or shallow-copied along the path). */
export function opa_rt_upsert(base: usize, path: usize, value: usize): usize {
  return upsertAt(base, path, 0, value);
}

function upsertAt(base: usize, path: usize, i: u32, value: usize): usize {
  if (i >= arrLen(path)) return value;
  const k = arrGet(path, i);
  let o: usize;
  if (base != 0 && load<u32>(base) == T_OBJECT) o = shallowCopy(base);
  else o = mkObject();
  objInsert(o, k, upsertAt(objGet(o, k), path, i + 1, value));
  return o;
}

export function opa_rt_string(p: usize, n: u32): usize {
  return mkStringRef(p, n);
}

export function opa_rt_bool(b: i32): usize {
  return mkBool(b != 0);
}

// ---------------------------------------------------------------- host calls
// Wrappers keep the opa_builtinN / opa_println imports in the runtime, so that their function
// indices (imports come first) are fixed before the code generator appends policy functions.

export function opa_rt_host0(id: i32, ctx: usize): usize {
  return opa_builtin0(id, ctx);
}

export function opa_rt_host1(id: i32, ctx: usize, a: usize): usize {
  return opa_builtin1(id, ctx, a);
}

export function opa_rt_host2(id: i32, ctx: usize, a: usize, b: usize): usize {
  return opa_builtin2(id, ctx, a, b);
}

export function opa_rt_host3(id: i32, ctx: usize, a: usize, b: usize, c: usize): usize {
  return opa_builtin3(id, ctx, a, b, c);
}

export function opa_rt_host4(id: i32, ctx: usize, a: usize, b: usize, c: usize, d: usize): usize {
  return opa_builtin4(id, ctx, a, b, c, d);
}

// Host builtins with operands, values encoded across the boundary (see host.ts).
export function opa_rt_hostv1(id: i32, ctx: usize, a: usize): usize {
  return hostResult(opa_builtin1(id, ctx, hostArg(a)));
}

export function opa_rt_hostv2(id: i32, ctx: usize, a: usize, b: usize): usize {
  return hostResult(opa_builtin2(id, ctx, hostArg(a), hostArg(b)));
}

export function opa_rt_hostv3(id: i32, ctx: usize, a: usize, b: usize, c: usize): usize {
  return hostResult(opa_builtin3(id, ctx, hostArg(a), hostArg(b), hostArg(c)));
}

export function opa_rt_hostv4(id: i32, ctx: usize, a: usize, b: usize, c: usize, d: usize): usize {
  return hostResult(opa_builtin4(id, ctx, hostArg(a), hostArg(b), hostArg(c), hostArg(d)));
}

// Rule values memoized within one evaluation (see memo.ts).
export function opa_rt_memo_reset(): void {
  memoReset();
}

export function opa_rt_memo_get(id: u32, input: usize, data: usize): usize {
  return memoGet(id, input, data);
}

export function opa_rt_memo_put(id: u32, input: usize, data: usize, v: usize): usize {
  return memoPut(id, input, data, v);
}

export function opa_rt_println(v: usize): void {
  opa_println(dumpCString(v, true));
}

/** The end of the runtime's static data and stack; the code generator places policy data here. */
export function opa_rt_heap_base(): usize {
  return __heap_base;
}
