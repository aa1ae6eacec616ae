// Values across the host-builtin boundary. The SDK hands host builtins JSON (opa_json_dump), in
// which a set is indistinguishable from an array and comes back as one. For host builtins that
// take operands, the generated code calls opa_rt_hostvN instead of opa_rt_hostN: each operand
// travels wrapped as {"\0v": x} where, inside x, a set is {"\0set": [elements]} and an object
// key whose first byte is NUL gets one more NUL. The host (src/policy/builtins/registry.ts)
// recognises the wrapper, decodes the operands, and answers in the same form, which is decoded
// here. A reply without the wrapper (a builtin the SDK implements itself) is taken as plain JSON,
// so no plain value is ever reinterpreted. A malformed reply is undefined.
import {
  T_ARRAY, T_OBJECT, T_SET, T_STRING,
  mkArray, arrAppend, arrLen, arrGet, mkObject, mkSet, objInsert, setAdd, tblCount, tblEntry,
  entKey, entValue, strLen, strPtr, mkStringFromAS, mkStringRef,
} from "./value";
import { malloc } from "./heap";

const ENVELOPE = "\u0000v";
const SET = "\u0000set";

function isKey(v: usize, s: string): bool {
  if (load<u32>(v) != T_STRING) return false;
  const bytes = String.UTF8.encode(s, false);
  const n = <u32>bytes.byteLength;
  if (strLen(v) != n) return false;
  return memory.compare(strPtr(v), changetype<usize>(bytes), <usize>n) == 0;
}

function nulFirst(k: usize): bool {
  return load<u32>(k) == T_STRING && strLen(k) > 0 && load<u8>(strPtr(k)) == 0;
}

/** True when v holds a set or a NUL-first object key (otherwise it travels unchanged). */
function needsEncoding(v: usize): bool {
  const t = load<u32>(v);
  if (t == T_SET) return true;
  if (t == T_ARRAY) {
    const n = arrLen(v);
    for (let i: u32 = 0; i < n; i++) if (needsEncoding(arrGet(v, i))) return true;
    return false;
  }
  if (t == T_OBJECT) {
    const n = tblCount(v);
    for (let i: u32 = 0; i < n; i++) {
      const e = tblEntry(v, i);
      if (nulFirst(entKey(e)) || needsEncoding(entKey(e)) || needsEncoding(entValue(e))) return true;
    }
  }
  return false;
}

/** key with one more NUL in front. */
function escapeKey(k: usize): usize {
  const n = strLen(k);
  const p = malloc(<usize>n + 1);
  store<u8>(p, 0);
  memory.copy(p + 1, strPtr(k), <usize>n);
  return mkStringRef(p, n + 1);
}

function encode(v: usize): usize {
  if (!needsEncoding(v)) return v;
  const t = load<u32>(v);
  if (t == T_ARRAY) {
    const n = arrLen(v);
    const r = mkArray(n);
    for (let i: u32 = 0; i < n; i++) arrAppend(r, encode(arrGet(v, i)));
    return r;
  }
  if (t == T_SET) {
    const n = tblCount(v);
    const elems = mkArray(n);
    for (let i: u32 = 0; i < n; i++) arrAppend(elems, encode(entKey(tblEntry(v, i))));
    const r = mkObject();
    objInsert(r, mkStringFromAS(SET), elems);
    return r;
  }
  // object
  const r = mkObject();
  const n = tblCount(v);
  for (let i: u32 = 0; i < n; i++) {
    const e = tblEntry(v, i);
    const k = entKey(e);
    objInsert(r, nulFirst(k) ? escapeKey(k) : encode(k), encode(entValue(e)));
  }
  return r;
}

/** An operand as it travels to the host: {"\0v": encoded}. */
export function hostArg(v: usize): usize {
  const r = mkObject();
  objInsert(r, mkStringFromAS(ENVELOPE), encode(v));
  return r;
}

function needsDecoding(v: usize): bool {
  const t = load<u32>(v);
  if (t == T_ARRAY) {
    const n = arrLen(v);
    for (let i: u32 = 0; i < n; i++) if (needsDecoding(arrGet(v, i))) return true;
    return false;
  }
  if (t == T_OBJECT) {
    const n = tblCount(v);
    for (let i: u32 = 0; i < n; i++) {
      const e = tblEntry(v, i);
      if (nulFirst(entKey(e)) || needsDecoding(entValue(e))) return true;
    }
  }
  return false;
}

/** Inverse of encode; 0 when v is malformed (a NUL-first key that is neither escaped nor a set). */
function decode(v: usize): usize {
  if (!needsDecoding(v)) return v;
  const t = load<u32>(v);
  if (t == T_ARRAY) {
    const n = arrLen(v);
    const r = mkArray(n);
    for (let i: u32 = 0; i < n; i++) {
      const x = decode(arrGet(v, i));
      if (x == 0) return 0;
      arrAppend(r, x);
    }
    return r;
  }
  const n = tblCount(v);
  if (n == 1) {
    const e = tblEntry(v, 0);
    if (isKey(entKey(e), SET)) {
      const elems = entValue(e);
      if (load<u32>(elems) != T_ARRAY) return 0;
      const s = mkSet();
      const m = arrLen(elems);
      for (let i: u32 = 0; i < m; i++) {
        const x = decode(arrGet(elems, i));
        if (x == 0) return 0;
        setAdd(s, x);
      }
      return s;
    }
  }
  const r = mkObject();
  for (let i: u32 = 0; i < n; i++) {
    const e = tblEntry(v, i);
    let k = entKey(e);
    if (nulFirst(k)) {
      if (strLen(k) < 2 || load<u8>(strPtr(k) + 1) != 0) return 0;
      k = mkStringRef(strPtr(k) + 1, strLen(k) - 1);
    }
    const x = decode(entValue(e));
    if (x == 0) return 0;
    objInsert(r, k, x);
  }
  return r;
}

/** A host builtin's reply: {"\0v": encoded} is decoded; anything else is plain JSON. */
export function hostResult(r: usize): usize {
  if (r == 0 || load<u32>(r) != T_OBJECT || tblCount(r) != 1) return r;
  const e = tblEntry(r, 0);
  if (!isKey(entKey(e), ENVELOPE)) return r;
  return decode(entValue(e));
}
