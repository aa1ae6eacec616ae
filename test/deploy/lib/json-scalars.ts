/**
 * proto3 JSON mapping of scalar values (https://protobuf.dev/programming-guides/json/):
 * which JSON values a parser accepts for each scalar field type.
 */

type Check = { ok: true } | { ok: false; why: string };
const OK: Check = { ok: true };
const bad = (why: string): Check => ({ ok: false, why });

const INT_RANGES: Record<string, [bigint, bigint]> = {
  int32: [-(2n ** 31n), 2n ** 31n - 1n],
  sint32: [-(2n ** 31n), 2n ** 31n - 1n],
  sfixed32: [-(2n ** 31n), 2n ** 31n - 1n],
  uint32: [0n, 2n ** 32n - 1n],
  fixed32: [0n, 2n ** 32n - 1n],
  int64: [-(2n ** 63n), 2n ** 63n - 1n],
  sint64: [-(2n ** 63n), 2n ** 63n - 1n],
  sfixed64: [-(2n ** 63n), 2n ** 63n - 1n],
  uint64: [0n, 2n ** 64n - 1n],
  fixed64: [0n, 2n ** 64n - 1n],
};

export function isIntegerType(type: string): boolean {
  return type in INT_RANGES;
}

/** The numeric value of an accepted number/string, for range rules; undefined if not numeric. */
export function numericValue(v: unknown): number | undefined {
  if (typeof v === "number") return v;
  if (typeof v === "string" && /^-?\d+(\.\d+)?$/.test(v)) return Number(v);
  return undefined;
}

export function checkScalar(type: string, v: unknown): Check {
  const range = INT_RANGES[type];
  if (range) {
    let n: bigint;
    if (typeof v === "number") {
      if (!Number.isInteger(v)) return bad(`${type} must be an integer, got ${v}`);
      n = BigInt(v);
    } else if (typeof v === "string" && /^-?\d+$/.test(v)) {
      n = BigInt(v);
    } else {
      return bad(`${type} must be an integer (number or decimal string), got ${JSON.stringify(v)}`);
    }
    if (n < range[0] || n > range[1]) return bad(`${type} out of range: ${n}`);
    return OK;
  }
  switch (type) {
    case "string":
      return typeof v === "string" ? OK : bad(`expected a string, got ${typeName(v)}`);
    case "bool":
      return typeof v === "boolean" ? OK : bad(`expected true or false, got ${JSON.stringify(v)}`);
    case "double":
    case "float":
      if (typeof v === "number") return OK;
      if (v === "NaN" || v === "Infinity" || v === "-Infinity") return OK;
      if (typeof v === "string" && /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(v)) return OK;
      return bad(`expected a number, got ${JSON.stringify(v)}`);
    case "bytes":
      if (typeof v !== "string") return bad(`expected base64 bytes, got ${typeName(v)}`);
      return /^[A-Za-z0-9+/_-]*={0,2}$/.test(v) ? OK : bad("bytes must be base64 (standard or URL-safe)");
    default:
      return bad(`unsupported scalar type ${type}`);
  }
}

/** proto3 Duration JSON: decimal seconds with at most 9 fractional digits and an "s" suffix. */
export function checkDuration(v: unknown): Check {
  if (typeof v !== "string") return bad(`a Duration is a string like "0.25s", got ${typeName(v)}`);
  const m = /^(-)?(\d+)(?:\.(\d{1,9}))?s$/.exec(v);
  if (!m) return bad(`malformed Duration ${JSON.stringify(v)} (expected e.g. "1s", "0.250s")`);
  if (BigInt(m[2] ?? "0") > 315_576_000_000n) return bad(`Duration out of range: ${v}`);
  return OK;
}

/** proto3 Timestamp JSON: RFC 3339 with a Z or numeric offset. */
export function checkTimestamp(v: unknown): Check {
  if (typeof v !== "string") return bad(`a Timestamp is an RFC 3339 string, got ${typeName(v)}`);
  const re = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
  if (!re.test(v) || Number.isNaN(Date.parse(v))) return bad(`malformed Timestamp ${JSON.stringify(v)}`);
  return OK;
}

export function typeName(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  return typeof v === "object" ? "a mapping" : typeof v;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
