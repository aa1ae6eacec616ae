/**
 * Values across the host-builtin boundary, host side (the module side is
 * src/rego/runtime/assembly/host.ts). The SDK passes host builtins JSON, where a Rego set would
 * arrive as an array and could only be answered with an array. Modules compiled by our compiler
 * therefore send each operand wrapped as {"\0v": x}, in which a set is {"\0set": [elements]} and
 * an object key starting with NUL carries one more NUL; a reply in the same form is decoded back
 * into Rego values (sets included) by the module.
 *
 * Operands that are not all wrapped (modules built by OPA, builtins called directly) are plain
 * JSON and get a plain JSON reply: nothing plain is ever reinterpreted.
 */

/** A Rego set, for builtins that take or return sets as sets. Elements are wire-decoded values. */
export class RegoSet {
  constructor(readonly values: unknown[]) {}
}

const ENVELOPE = "\u0000v";
const SET = "\u0000set";

export class WireError extends Error {
  override readonly name = "WireError";
}

/** True when v is {"\0v": x}. */
export function isWrapped(v: unknown): v is { [ENVELOPE]: unknown } {
  if (v === null || typeof v !== "object" || Array.isArray(v)) return false;
  const keys = Object.keys(v);
  return keys.length === 1 && keys[0] === ENVELOPE;
}

function define(o: Record<string, unknown>, k: string, v: unknown): void {
  Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
}

/**
 * A wrapped operand as a JS value: sets become RegoSet when `sets` is true, arrays otherwise
 * (what host builtins that treat sets like arrays expect).
 */
export function unwrapOperand(v: { [ENVELOPE]: unknown }, sets: boolean): unknown {
  const x = v[ENVELOPE];
  return hasNulKey(x) ? decode(x, sets) : x;
}

/** True when v holds an object key starting with NUL (sets and escaped keys both do). */
function hasNulKey(v: unknown): boolean {
  if (Array.isArray(v)) return v.some(hasNulKey);
  if (v === null || typeof v !== "object" || v instanceof ArrayBuffer) return false;
  for (const [k, x] of Object.entries(v)) if (k.startsWith("\u0000") || hasNulKey(x)) return true;
  return false;
}

function decode(v: unknown, sets: boolean): unknown {
  if (Array.isArray(v)) return v.map((x) => decode(x, sets));
  if (v === null || typeof v !== "object") return v;
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o);
  if (keys.length === 1 && keys[0] === SET) {
    const elems = o[SET];
    if (!Array.isArray(elems)) throw new WireError("malformed set operand");
    const values = elems.map((x) => decode(x, sets));
    return sets ? new RegoSet(values) : values;
  }
  const out: Record<string, unknown> = {};
  for (const k of keys) {
    let key = k;
    if (k.startsWith("\u0000")) {
      if (!k.startsWith("\u0000\u0000")) throw new WireError("malformed operand key");
      key = k.slice(1);
    }
    define(out, key, decode(o[k], sets));
  }
  return out;
}

/** A builtin's result, wrapped for a module that sent wrapped operands. */
export function wrapResult(v: unknown): unknown {
  if (v === undefined || v instanceof ArrayBuffer) return v; // undefined; raw JSON text is plain
  const out: Record<string, unknown> = {};
  define(out, ENVELOPE, hasSet(v) || hasNulKey(v) ? encode(v) : v);
  return out;
}

function encode(v: unknown): unknown {
  if (v instanceof RegoSet) {
    const out: Record<string, unknown> = {};
    define(out, SET, v.values.map(encode));
    return out;
  }
  if (Array.isArray(v)) return v.map(encode);
  if (v === null || typeof v !== "object") return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) define(out, k.startsWith("\u0000") ? `\u0000${k}` : k, encode(x));
  return out;
}

/** A result for a plain caller: sets as arrays (JSON has no sets). */
export function plainResult(v: unknown): unknown {
  if (v instanceof RegoSet) return v.values.map(plainResult);
  if (Array.isArray(v)) return v.some(hasSet) ? v.map(plainResult) : v;
  if (v === null || typeof v !== "object" || v instanceof ArrayBuffer || !hasSet(v)) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) define(out, k, plainResult(x));
  return out;
}

function hasSet(v: unknown): boolean {
  if (v instanceof RegoSet) return true;
  if (Array.isArray(v)) return v.some(hasSet);
  if (v === null || typeof v !== "object" || v instanceof ArrayBuffer) return false;
  return Object.values(v).some(hasSet);
}
