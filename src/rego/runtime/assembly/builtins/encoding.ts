// base64 / base64url and JSON builtins.
import {
  T_STRING, T_ARRAY, T_SET, T_OBJECT, T_BOOLEAN, mkStringRef, strPtr, strLen, mkBool, arrLen, arrGet, tblSort,
  tblCount, tblEntry, entKey, entValue,
} from "../value";
import { Buf } from "../buffer";
import { parseJSON, dumpValue, dumpString } from "../json";
import { elements } from "./sets";
import { setError } from "./errors";

const STD: string = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const URL: string = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

function isStr(v: usize): bool {
  return v != 0 && load<u32>(v) == T_STRING;
}

function encode(s: usize, alphabet: string, pad: bool): usize {
  const p = strPtr(s);
  const n = strLen(s);
  const b = new Buf(((n + 2) / 3) * 4 + 1);
  let i: u32 = 0;
  while (i + 3 <= n) {
    const x = (<u32>load<u8>(p + <usize>i) << 16) | (<u32>load<u8>(p + <usize>i + 1) << 8) | load<u8>(p + <usize>i + 2);
    b.byte(alphabet.charCodeAt((x >> 18) & 63));
    b.byte(alphabet.charCodeAt((x >> 12) & 63));
    b.byte(alphabet.charCodeAt((x >> 6) & 63));
    b.byte(alphabet.charCodeAt(x & 63));
    i += 3;
  }
  const rest = n - i;
  if (rest == 1) {
    const x = <u32>load<u8>(p + <usize>i) << 16;
    b.byte(alphabet.charCodeAt((x >> 18) & 63));
    b.byte(alphabet.charCodeAt((x >> 12) & 63));
    if (pad) {
      b.byte(61);
      b.byte(61);
    }
  } else if (rest == 2) {
    const x = (<u32>load<u8>(p + <usize>i) << 16) | (<u32>load<u8>(p + <usize>i + 1) << 8);
    b.byte(alphabet.charCodeAt((x >> 18) & 63));
    b.byte(alphabet.charCodeAt((x >> 12) & 63));
    b.byte(alphabet.charCodeAt((x >> 6) & 63));
    if (pad) b.byte(61);
  }
  return mkStringRef(b.ptr, b.len);
}

function val(c: u32, url: bool): i32 {
  if (c >= 65 && c <= 90) return <i32>(c - 65);
  if (c >= 97 && c <= 122) return <i32>(c - 71);
  if (c >= 48 && c <= 57) return <i32>(c + 4);
  if (!url && c == 43) return 62;
  if (!url && c == 47) return 63;
  if (url && c == 45) return 62;
  if (url && c == 95) return 63;
  return -1;
}

/** Strict decoding (padding required unless raw); 0 on invalid input. Go skips \r and \n. */
function decode(s: usize, url: bool, raw: bool): usize {
  const p = strPtr(s);
  const n0 = strLen(s);
  // copy without CR/LF
  const clean = new Buf(n0 + 1);
  for (let i: u32 = 0; i < n0; i++) {
    const c = load<u8>(p + <usize>i);
    if (c != 10 && c != 13) clean.byte(c);
  }
  const q = clean.ptr;
  const n = clean.len;
  if (!raw && n % 4 != 0) return 0;
  const out = new Buf((n / 4) * 3 + 3);
  let acc: u32 = 0;
  let bits: u32 = 0;
  let i: u32 = 0;
  let padding: u32 = 0;
  for (; i < n; i++) {
    const c = <u32>load<u8>(q + <usize>i);
    if (c == 61) {
      if (raw) return 0;
      padding = n - i;
      if (padding > 2) return 0;
      for (let j = i; j < n; j++) if (load<u8>(q + <usize>j) != 61) return 0;
      break;
    }
    const v = val(c, url);
    if (v < 0) return 0;
    acc = (acc << 6) | <u32>v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.byte((acc >> bits) & 0xff);
    }
  }
  const chars = i % 4;
  if (chars == 1) return 0;
  if (!raw && padding > 0 && chars + padding != 4) return 0;
  // Go rejects non-zero trailing bits
  if ((acc & ((<u32>1 << bits) - 1)) != 0) return 0;
  return mkStringRef(out.ptr, out.len);
}

export function opa_b_base64_encode(s: usize): usize {
  if (!isStr(s)) return setError("base64.encode: operand must be a string");
  return encode(s, STD, true);
}

export function opa_b_base64_decode(s: usize): usize {
  if (!isStr(s)) return setError("base64.decode: operand must be a string");
  const r = decode(s, false, false);
  return r != 0 ? r : setError("base64.decode: illegal base64 data");
}

export function opa_b_base64_is_valid(s: usize): usize {
  if (!isStr(s)) return setError("base64.is_valid: operand must be a string");
  return mkBool(decode(s, false, false) != 0);
}

export function opa_b_base64url_encode(s: usize): usize {
  if (!isStr(s)) return setError("base64url.encode: operand must be a string");
  return encode(s, URL, true);
}

export function opa_b_base64url_encode_no_pad(s: usize): usize {
  if (!isStr(s)) return setError("base64url.encode_no_pad: operand must be a string");
  return encode(s, URL, false);
}

export function opa_b_base64url_decode(s: usize): usize {
  if (!isStr(s)) return setError("base64url.decode: operand must be a string");
  // unpadded input is accepted (padding is restored first, as OPA does)
  const n = strLen(s);
  let r: usize = 0;
  if (n % 4 == 0) r = decode(s, true, false);
  else r = decode(s, true, true);
  return r != 0 ? r : setError("base64url.decode: illegal base64 data");
}

// ---------------------------------------------------------------- json.*

export function opa_b_json_marshal(v: usize): usize {
  const b = new Buf(64);
  dumpValue(b, v, false, true);
  return mkStringRef(b.ptr, b.len);
}

export function opa_b_json_unmarshal(s: usize): usize {
  if (!isStr(s)) return setError("json.unmarshal: operand must be a string");
  const r = parseJSON(strPtr(s), <usize>strLen(s), false);
  return r != 0 ? r : setError("json.unmarshal: invalid JSON");
}

export function opa_b_json_is_valid(s: usize): usize {
  if (!isStr(s)) return mkBool(false);
  return mkBool(parseJSON(strPtr(s), <usize>strLen(s), false) != 0);
}

// ---------------------------------------------------------------- json.marshal_with_options

function newline(b: Buf, prefix: usize, indent: usize, depth: i32): void {
  b.byte(10);
  b.bytes(strPtr(prefix), strLen(prefix));
  for (let i = 0; i < depth; i++) b.bytes(strPtr(indent), strLen(indent));
}

/** Go's json.MarshalIndent layout (HTML-escaped, sorted keys, sets as arrays); empty collections stay compact. */
function dumpPretty(b: Buf, v: usize, prefix: usize, indent: usize, depth: i32): void {
  const t = load<u32>(v);
  if (t == T_ARRAY || t == T_SET) {
    const a = elements(v);
    const n = arrLen(a);
    if (n == 0) {
      b.ascii("[]");
      return;
    }
    b.byte(91);
    for (let i: u32 = 0; i < n; i++) {
      if (i > 0) b.byte(44);
      newline(b, prefix, indent, depth + 1);
      dumpPretty(b, arrGet(a, i), prefix, indent, depth + 1);
    }
    newline(b, prefix, indent, depth);
    b.byte(93);
    return;
  }
  if (t == T_OBJECT) {
    tblSort(v);
    const n = tblCount(v);
    if (n == 0) {
      b.ascii("{}");
      return;
    }
    b.byte(123);
    for (let i: u32 = 0; i < n; i++) {
      if (i > 0) b.byte(44);
      newline(b, prefix, indent, depth + 1);
      const e = tblEntry(v, i);
      const k = entKey(e);
      if (load<u32>(k) == T_STRING) dumpValue(b, k, false, true);
      else {
        const kb = new Buf(16);
        dumpValue(kb, k, false, false);
        dumpString(b, kb.ptr, kb.len, true);
      }
      b.ascii(": ");
      dumpPretty(b, entValue(e), prefix, indent, depth + 1);
    }
    newline(b, prefix, indent, depth);
    b.byte(125);
    return;
  }
  dumpValue(b, v, false, true);
}

export function opa_b_json_marshal_with_options(v: usize, opts: usize): usize {
  if (opts == 0 || load<u32>(opts) != T_OBJECT) return setError("json.marshal_with_options: operand 2 must be object");
  let pretty = false;
  let prettySet = false;
  let prefix: usize = 0;
  let indent: usize = 0;
  for (let i: u32 = 0; i < tblCount(opts); i++) {
    const e = tblEntry(opts, i);
    const k = entKey(e);
    const x = entValue(e);
    if (load<u32>(k) != T_STRING) return setError("json.marshal_with_options: object contained unknown key");
    const name = String.UTF8.decodeUnsafe(strPtr(k), <usize>strLen(k), false);
    if (name == "pretty") {
      if (load<u32>(x) != T_BOOLEAN) return setError("json.marshal_with_options: pretty must be a boolean");
      pretty = load<u32>(x, 4) != 0;
      prettySet = true;
    } else if (name == "prefix") {
      if (!isStr(x)) return setError("json.marshal_with_options: prefix must be a string");
      prefix = x;
    } else if (name == "indent") {
      if (!isStr(x)) return setError("json.marshal_with_options: indent must be a string");
      indent = x;
    } else return setError("json.marshal_with_options: object contained unknown key");
  }
  if (!prettySet && (prefix != 0 || indent != 0)) pretty = true;
  if (!pretty) return opa_b_json_marshal(v);
  if (prefix == 0) prefix = mkStringRef(0, 0);
  if (indent == 0) indent = TAB;
  const b = new Buf(64);
  b.bytes(strPtr(prefix), strLen(prefix));
  dumpPretty(b, v, prefix, indent, 0);
  return mkStringRef(b.ptr, b.len);
}

const TAB_BYTES: usize = memory.data<u8>([9]);
const TAB: usize = memory.data<u32>([4, 1, <u32>TAB_BYTES]);
