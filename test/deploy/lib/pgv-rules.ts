/**
 * A subset of protoc-gen-validate rules (the `(validate.rules)` options Envoy's protos carry),
 * read from protobufjs's flattened options. Envoy enforces these at load time; checking the
 * common ones here catches a config Envoy would reject (an empty cluster name, a zero
 * max_request_bytes, a missing required sub-message).
 */
import { numericValue } from "./json-scalars.js";

type Options = Record<string, unknown> | undefined;

const PREFIX = "(validate.rules).";

function rule(options: Options, key: string): unknown {
  return options?.[PREFIX + key];
}

export function isRequiredMessage(options: Options): boolean {
  return rule(options, "message.required") === true;
}

export function isRequiredOneof(options: Options): boolean {
  return options?.["(validate.required)"] === true;
}

/** Violations of scalar rules for one value; empty when none apply or all hold. */
export function scalarRuleViolations(scalarType: string, options: Options, v: unknown): string[] {
  const out: string[] = [];
  if (typeof v === "string" && scalarType === "string") {
    const minLen = rule(options, "string.min_len");
    if (typeof minLen === "number" && [...v].length < minLen)
      out.push(`string shorter than min_len ${minLen}`);
    const minBytes = rule(options, "string.min_bytes");
    if (typeof minBytes === "number" && Buffer.byteLength(v) < minBytes)
      out.push(`string shorter than min_bytes ${minBytes}`);
    const maxLen = rule(options, "string.max_len");
    if (typeof maxLen === "number" && [...v].length > maxLen)
      out.push(`string longer than max_len ${maxLen}`);
    const maxBytes = rule(options, "string.max_bytes");
    if (typeof maxBytes === "number" && Buffer.byteLength(v) > maxBytes)
      out.push(`string longer than max_bytes ${maxBytes}`);
    return out;
  }
  const n = numericValue(v);
  if (n === undefined) return out;
  for (const [op, test] of [
    ["gt", (x: number, b: number) => x > b],
    ["gte", (x: number, b: number) => x >= b],
    ["lt", (x: number, b: number) => x < b],
    ["lte", (x: number, b: number) => x <= b],
  ] as const) {
    const bound = rule(options, `${scalarType}.${op}`);
    if (typeof bound === "number" && !test(n, bound))
      out.push(`${scalarType} must be ${op} ${bound}, got ${n}`);
  }
  return out;
}

/** Violations of enum rules (`not_in`, `in`, `const`) for the value's number. */
export function enumRuleViolations(options: Options, number: number): string[] {
  const out: string[] = [];
  const asList = (x: unknown): unknown[] => (Array.isArray(x) ? x : x === undefined ? [] : [x]);
  const notIn = asList(rule(options, "enum.not_in"));
  if (notIn.includes(number)) out.push(`enum value ${number} is not allowed (not_in ${notIn.join(", ")})`);
  const within = asList(rule(options, "enum.in"));
  if (within.length > 0 && !within.includes(number))
    out.push(`enum value ${number} is not in ${within.join(", ")}`);
  const only = rule(options, "enum.const");
  if (typeof only === "number" && only !== number) out.push(`enum value must be ${only}`);
  return out;
}

/** True when the field's rules skip the zero value (`ignore_empty`). */
export function ignoresEmpty(scalarType: string, options: Options): boolean {
  return rule(options, `${scalarType}.ignore_empty`) === true || rule(options, "ignore_empty") === true;
}

/** True when the field carries any protoc-gen-validate rule. */
export function hasRules(options: Options): boolean {
  return options !== undefined && Object.keys(options).some((k) => k.startsWith(PREFIX));
}

export function repeatedRuleViolations(options: Options, length: number): string[] {
  const min = rule(options, "repeated.min_items");
  const max = rule(options, "repeated.max_items");
  const out: string[] = [];
  if (typeof min === "number" && length < min) out.push(`at least ${min} item(s) required, got ${length}`);
  if (typeof max === "number" && length > max) out.push(`at most ${max} item(s) allowed, got ${length}`);
  return out;
}
