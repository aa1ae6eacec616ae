// net.cidr_* builtins (IPv4 and IPv6) and graph.reachable.
import {
  T_STRING, T_OBJECT, T_ARRAY, T_SET, mkBool, strPtr, strLen, mkSet, setAdd, setHas, objGet, arrLen, arrGet,
  mkArray, arrAppend, mkInt, tblSort, tblCount, tblEntry, entKey, entValue, valueEqual,
} from "../value";
import { setError } from "./errors";
import { elements } from "./sets";

// parsed address: 16 bytes, family 4 or 6, prefix length
const ADDR_A: usize = memory.data(16);
const ADDR_B: usize = memory.data(16);
let FAMILY: i32 = 0;
let PREFIX: i32 = 0;

function isStr(v: usize): bool {
  return v != 0 && load<u32>(v) == T_STRING;
}

function parseV4(p: usize, n: u32, out: usize): bool {
  let part: i32 = 0;
  let val: i32 = -1;
  let digits = 0;
  for (let i: u32 = 0; i <= n; i++) {
    const c = i < n ? <u32>load<u8>(p + <usize>i) : 46;
    if (c == 46) {
      if (val < 0 || part > 3) return false;
      store<u8>(out + <usize>part, <u8>val);
      part++;
      val = -1;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      if (digits > 0 && val == 0) return false; // leading zeros are rejected by Go
      val = (val < 0 ? 0 : val) * 10 + <i32>(c - 48);
      digits++;
      if (val > 255) return false;
    } else return false;
  }
  return part == 4;
}

function hexv(c: u32): i32 {
  if (c >= 48 && c <= 57) return <i32>(c - 48);
  if (c >= 97 && c <= 102) return <i32>(c - 87);
  if (c >= 65 && c <= 70) return <i32>(c - 55);
  return -1;
}

function parseV6(p: usize, n: u32, out: usize): bool {
  memory.fill(out, 0, 16);
  let i: u32 = 0;
  let k: i32 = 0; // byte position
  let ellipsis: i32 = -1;
  if (n >= 2 && load<u8>(p) == 58 && load<u8>(p + 1) == 58) {
    ellipsis = 0;
    i = 2;
    if (i == n) return true;
  }
  while (i < n) {
    // hex group or trailing IPv4
    let j = i;
    let v: i32 = 0;
    while (j < n && hexv(load<u8>(p + <usize>j)) >= 0 && j - i < 4) {
      v = v * 16 + hexv(load<u8>(p + <usize>j));
      j++;
    }
    if (j < n && load<u8>(p + <usize>j) == 46) {
      if (k > 12) return false;
      if (!parseV4(p + <usize>i, n - i, out + <usize>k)) return false;
      k += 4;
      i = n;
      break;
    }
    if (j == i) return false;
    if (k > 14) return false;
    store<u8>(out + <usize>k, <u8>(v >> 8));
    store<u8>(out + <usize>k + 1, <u8>v);
    k += 2;
    i = j;
    if (i == n) break;
    if (load<u8>(p + <usize>i) != 58) return false;
    i++;
    if (i < n && load<u8>(p + <usize>i) == 58) {
      if (ellipsis >= 0) return false;
      ellipsis = k;
      i++;
      if (i == n) break;
    } else if (i == n) return false;
  }
  if (ellipsis >= 0) {
    if (k == 16) return false;
    const shift = 16 - k;
    for (let x = k - 1; x >= ellipsis; x--) store<u8>(out + <usize>(x + shift), load<u8>(out + <usize>x));
    for (let x = ellipsis; x < ellipsis + shift; x++) store<u8>(out + <usize>x, 0);
  } else if (k != 16) return false;
  return true;
}

/** Parses "ip" or "ip/prefix" into out; sets FAMILY and PREFIX (-1 when there is no prefix). */
function parseAddr(v: usize, out: usize, cidr: bool): bool {
  if (!isStr(v)) return false;
  const p = strPtr(v);
  let n = strLen(v);
  let slash: i32 = -1;
  for (let i: u32 = 0; i < n; i++) if (load<u8>(p + <usize>i) == 47) slash = <i32>i;
  PREFIX = -1;
  if (slash >= 0) {
    if (!cidr) return false;
    let pr: i32 = 0;
    if (<u32>slash + 1 >= n) return false;
    for (let i = <u32>slash + 1; i < n; i++) {
      const c = load<u8>(p + <usize>i);
      if (c < 48 || c > 57) return false;
      pr = pr * 10 + <i32>(c - 48);
      if (pr > 128) return false;
    }
    PREFIX = pr;
    n = <u32>slash;
  }
  let isV6 = false;
  for (let i: u32 = 0; i < n; i++) if (load<u8>(p + <usize>i) == 58) isV6 = true;
  if (isV6) {
    if (!parseV6(p, n, out)) return false;
    FAMILY = 6;
    if (PREFIX > 128) return false;
  } else {
    if (!parseV4(p, n, out)) return false;
    FAMILY = 4;
    if (PREFIX > 32) return false;
  }
  return true;
}

function bitsOf(family: i32): i32 {
  return family == 4 ? 32 : 128;
}

/** True if the first `prefix` bits of a and b are equal. */
function samePrefix(a: usize, b: usize, prefix: i32): bool {
  let bits = prefix;
  let i: usize = 0;
  while (bits >= 8) {
    if (load<u8>(a + i) != load<u8>(b + i)) return false;
    bits -= 8;
    i++;
  }
  if (bits == 0) return true;
  const mask = <u8>((<u32>0xff << <u32>(8 - bits)) & 0xff);
  return (load<u8>(a + i) & mask) == (load<u8>(b + i) & mask);
}

function containsAddr(cidr: usize, x: usize): i32 {
  // -1 error, 0 false, 1 true
  if (!parseAddr(cidr, ADDR_A, true) || PREFIX < 0) return -1;
  const fa = FAMILY;
  const pa = PREFIX;
  if (!parseAddr(x, ADDR_B, true)) return -1;
  const fb = FAMILY;
  const pb = PREFIX < 0 ? bitsOf(fb) : PREFIX;
  if (fa != fb) return 0;
  if (pb < pa) return 0;
  return samePrefix(ADDR_A, ADDR_B, pa) ? 1 : 0;
}

export function opa_b_net_cidr_contains(cidr: usize, x: usize): usize {
  const r = containsAddr(cidr, x);
  if (r < 0) return setError("net.cidr_contains: invalid CIDR or IP");
  return mkBool(r == 1);
}

export function opa_b_net_cidr_overlap(cidr: usize, x: usize): usize {
  const r = containsAddr(cidr, x);
  if (r < 0) return setError("net.cidr_overlap: invalid CIDR or IP");
  return mkBool(r == 1);
}

export function opa_b_net_cidr_intersects(a: usize, b: usize): usize {
  if (!parseAddr(a, ADDR_A, true) || PREFIX < 0) return setError("net.cidr_intersects: invalid CIDR");
  const fa = FAMILY;
  const pa = PREFIX;
  if (!parseAddr(b, ADDR_B, true) || PREFIX < 0) return setError("net.cidr_intersects: invalid CIDR");
  if (fa != FAMILY) return mkBool(false);
  const p = pa < PREFIX ? pa : PREFIX;
  return mkBool(samePrefix(ADDR_A, ADDR_B, p));
}

export function opa_b_net_cidr_is_valid(a: usize): usize {
  return mkBool(parseAddr(a, ADDR_A, true) && PREFIX >= 0);
}

// ---------------------------------------------------------------- graph.reachable

export function opa_b_graph_reachable(graph: usize, initial: usize): usize {
  if (graph == 0 || load<u32>(graph) != T_OBJECT) return setError("graph.reachable: graph must be an object");
  const start = elements(initial);
  if (start == 0) return setError("graph.reachable: initial vertices must be an array or set");
  const reached = mkSet();
  const queue = new Array<usize>();
  for (let i: u32 = 0; i < arrLen(start); i++) queue.push(arrGet(start, i));
  let head = 0;
  while (head < queue.length) {
    const node = queue[head++];
    if (setHas(reached, node)) continue;
    const edges = objGet(graph, node);
    if (edges == 0) continue;
    setAdd(reached, node);
    const t = load<u32>(edges);
    if (t != T_ARRAY && t != T_SET) continue;
    const es = elements(edges);
    for (let i: u32 = 0; i < arrLen(es); i++) {
      const x = arrGet(es, i);
      if (!setHas(reached, x)) queue.push(x);
    }
  }
  return reached;
}

// ---------------------------------------------------------------- net.cidr_contains_matches

/** The CIDR of a match operand element: a string, or an array whose first element is one. */
function matchTerm(x: usize): usize {
  const t = load<u32>(x);
  if (t == T_STRING) return x;
  if (t == T_ARRAY && arrLen(x) > 0 && isStr(arrGet(x, 0))) return arrGet(x, 0);
  return 0;
}

/** (cidr, index) pairs of an operand: a string (index itself), array (i), set (element), object (key). */
function matchPairs(v: usize, cidrs: usize, idx: usize): bool {
  const t = load<u32>(v);
  if (t == T_STRING) {
    arrAppend(cidrs, v);
    arrAppend(idx, v);
    return true;
  }
  if (t == T_ARRAY) {
    for (let i: u32 = 0; i < arrLen(v); i++) {
      const c = matchTerm(arrGet(v, i));
      if (c == 0) return false;
      arrAppend(cidrs, c);
      arrAppend(idx, mkInt(<i64>i));
    }
    return true;
  }
  if (t == T_SET || t == T_OBJECT) {
    tblSort(v);
    for (let i: u32 = 0; i < tblCount(v); i++) {
      const e = tblEntry(v, i);
      const c = matchTerm(t == T_SET ? entKey(e) : entValue(e));
      if (c == 0) return false;
      arrAppend(cidrs, c);
      arrAppend(idx, entKey(e));
    }
    return true;
  }
  return false;
}

export function opa_b_net_cidr_contains_matches(a: usize, b: usize): usize {
  const ca = mkArray(4);
  const ia = mkArray(4);
  const cb = mkArray(4);
  const ib = mkArray(4);
  if (!matchPairs(a, ca, ia) || !matchPairs(b, cb, ib)) return setError("net.cidr_contains_matches: operands must be strings, arrays, sets or objects of CIDRs");
  const r = mkSet();
  for (let i: u32 = 0; i < arrLen(ca); i++) {
    for (let j: u32 = 0; j < arrLen(cb); j++) {
      const c = containsAddr(arrGet(ca, i), arrGet(cb, j));
      if (c < 0) return setError("net.cidr_contains_matches: invalid CIDR or IP");
      if (c == 1) {
        const pair = mkArray(2);
        arrAppend(pair, arrGet(ia, i));
        arrAppend(pair, arrGet(ib, j));
        setAdd(r, pair);
      }
    }
  }
  return r;
}

// ---------------------------------------------------------------- graph.reachable_paths

function edgeList(edges: usize): usize {
  const t = load<u32>(edges);
  if (t == T_ARRAY || t == T_SET) return elements(edges);
  return mkArray(0);
}

function copyArray(a: usize): usize {
  const r = mkArray(arrLen(a) + 1);
  for (let i: u32 = 0; i < arrLen(a); i++) arrAppend(r, arrGet(a, i));
  return r;
}

function onPath(path: usize, v: usize): bool {
  for (let i: u32 = 0; i < arrLen(path); i++) if (valueEqual(arrGet(path, i), v)) return true;
  return false;
}

/**
 * Depth-first enumeration of maximal paths: a path ends at a node without edges, before a node
 * that is not in the graph, or where the next node would close a cycle.
 */
function pathBuilder(graph: usize, root: usize, path: usize, result: usize): void {
  const edges = objGet(graph, root);
  if (edges == 0) {
    setAdd(result, copyArray(path));
    return;
  }
  const p = copyArray(path);
  arrAppend(p, root);
  const es = edgeList(edges);
  if (arrLen(es) == 0) {
    setAdd(result, p);
    return;
  }
  for (let i: u32 = 0; i < arrLen(es); i++) {
    const neighbor = arrGet(es, i);
    if (onPath(p, neighbor)) setAdd(result, copyArray(p));
    else pathBuilder(graph, neighbor, p, result);
  }
}

export function opa_b_graph_reachable_paths(graph: usize, initial: usize): usize {
  if (graph == 0 || load<u32>(graph) != T_OBJECT) return setError("graph.reachable_paths: graph must be an object");
  const start = elements(initial);
  if (start == 0) return setError("graph.reachable_paths: initial vertices must be an array or set");
  const result = mkSet();
  for (let i: u32 = 0; i < arrLen(start); i++) {
    const node = arrGet(start, i);
    const edges = objGet(graph, node);
    if (edges == 0) continue;
    const es = edgeList(edges);
    if (arrLen(es) == 0) {
      const one = mkArray(1);
      arrAppend(one, node);
      setAdd(result, one);
      continue;
    }
    for (let j: u32 = 0; j < arrLen(es); j++) {
      const first = mkArray(1);
      arrAppend(first, node);
      const next = arrGet(es, j);
      if (valueEqual(next, node)) setAdd(result, first);
      else pathBuilder(graph, next, first, result);
    }
  }
  return result;
}
