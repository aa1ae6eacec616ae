/**
 * json.verify_schema and json.match_schema: a JSON Schema (draft 4/6/7) subset written here.
 * Keywords: type, enum, const, properties, required, additionalProperties, patternProperties,
 * propertyNames, min/maxProperties, dependencies, items (schema or tuple), additionalItems,
 * contains, min/maxItems, uniqueItems, min/maxLength, pattern, minimum, maximum,
 * exclusiveMinimum/Maximum (draft 4 boolean and draft 6+ number), multipleOf, allOf, anyOf, oneOf,
 * not, if/then/else, and local $ref ("#", "#/definitions/..."). format is an annotation (not
 * checked). A remote $ref or a malformed schema is an error: nothing is accepted by default.
 * Error objects follow gojsonschema's (OPA's library) fields: error, type, field, desc.
 */
import { type Json, type JsonObject, isObject } from "./args.js";
import { fail, typeFail } from "./errors.js";
import type { BuiltinFamily } from "./registry.js";

const TYPES = ["array", "boolean", "integer", "number", "null", "object", "string"];
const MAX_DEPTH = 128;

class SchemaProblem extends Error {}

function problem(msg: string): never {
  throw new SchemaProblem(`jsonschema: ${msg}`);
}

const NOT_JSON = Symbol("not JSON");

function parseJson(text: string): Json | typeof NOT_JSON {
  try {
    return JSON.parse(text) as Json;
  } catch {
    return NOT_JSON;
  }
}

/** Decodes a string operand as JSON; passes any other JSON value through. */
function jsonOperand(v: unknown, what: string): Json {
  if (typeof v !== "string") return v as Json;
  try {
    return JSON.parse(v) as Json;
  } catch {
    return fail(`${what} is not valid JSON`);
  }
}

function checkSchema(s: Json, depth: number): void {
  if (depth > MAX_DEPTH) problem("schema nested too deeply");
  if (typeof s === "boolean") return;
  if (!isObject(s)) problem("schema must be an object or a boolean");
  const t = s.type;
  if (t !== undefined) {
    const list = Array.isArray(t) ? t : [t];
    if (list.length === 0 && Array.isArray(t)) problem("type must not be an empty array");
    for (const x of list) {
      if (typeof x !== "string" || !TYPES.includes(x))
        problem(
          `has a primitive type that is NOT VALID -- given: /${typeof x === "string" ? x : JSON.stringify(x)}/ Expected valid values are:[${TYPES.join(" ")}]`,
        );
    }
  }
  for (const k of ["properties", "patternProperties", "definitions", "$defs"]) {
    const m = s[k];
    if (m === undefined) continue;
    if (!isObject(m)) problem(`${k} must be an object`);
    for (const [name, sub] of Object.entries(m)) {
      if (k === "patternProperties") compilePattern(name);
      checkSchema(sub, depth + 1);
    }
  }
  for (const k of [
    "additionalProperties",
    "additionalItems",
    "not",
    "contains",
    "propertyNames",
    "if",
    "then",
    "else",
  ]) {
    const sub = s[k];
    if (sub !== undefined) checkSchema(sub, depth + 1);
  }
  if (s.items !== undefined) {
    if (Array.isArray(s.items)) for (const sub of s.items) checkSchema(sub, depth + 1);
    else checkSchema(s.items, depth + 1);
  }
  for (const k of ["allOf", "anyOf", "oneOf"]) {
    const list = s[k];
    if (list === undefined) continue;
    if (!Array.isArray(list) || list.length === 0) problem(`${k} must be a non-empty array`);
    for (const sub of list) checkSchema(sub, depth + 1);
  }
  if (s.required !== undefined) {
    if (!Array.isArray(s.required) || s.required.some((r) => typeof r !== "string"))
      problem("required must be an array of strings");
  }
  if (s.enum !== undefined && !Array.isArray(s.enum)) problem("enum must be an array");
  for (const k of [
    "minimum",
    "maximum",
    "multipleOf",
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "minProperties",
    "maxProperties",
  ]) {
    if (s[k] !== undefined && typeof s[k] !== "number") problem(`${k} must be a number`);
  }
  if (typeof s.multipleOf === "number" && s.multipleOf <= 0) problem("multipleOf must be greater than 0");
  for (const k of ["exclusiveMinimum", "exclusiveMaximum"]) {
    const v = s[k];
    if (v !== undefined && typeof v !== "number" && typeof v !== "boolean")
      problem(`${k} must be a number or a boolean`);
  }
  if (s.pattern !== undefined) {
    if (typeof s.pattern !== "string") problem("pattern must be a string");
    compilePattern(s.pattern);
  }
  if (s.$ref !== undefined && (typeof s.$ref !== "string" || !s.$ref.startsWith("#")))
    problem("only local $ref (#...) is supported");
  if (s.dependencies !== undefined) {
    if (!isObject(s.dependencies)) problem("dependencies must be an object");
    for (const d of Object.values(s.dependencies)) {
      if (Array.isArray(d)) {
        if (d.some((x) => typeof x !== "string")) problem("dependencies arrays must hold strings");
      } else checkSchema(d, depth + 1);
    }
  }
}

const patterns = new Map<string, RegExp>();

function compilePattern(p: string): RegExp {
  let re = patterns.get(p);
  if (!re) {
    try {
      re = new RegExp(p, "u");
    } catch {
      return problem(`invalid regular expression ${JSON.stringify(p)}`);
    }
    if (patterns.size > 1000) patterns.clear();
    patterns.set(p, re);
  }
  return re;
}

export interface SchemaError {
  error: string;
  type: string;
  field: string;
  desc: string;
}

function typeOf(v: Json): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  return typeof v;
}

function deepEqual(a: Json, b: Json): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => deepEqual(x, b[i] as Json));
  }
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    return ka.every((k) => Object.hasOwn(b, k) && deepEqual(a[k] as Json, b[k] as Json));
  }
  return false;
}

class Validator {
  readonly errors: SchemaError[] = [];
  constructor(private readonly root: Json) {}

  private add(field: string, type: string, desc: string): void {
    const f = field === "" ? "(root)" : field;
    this.errors.push({ error: `${f}: ${desc}`, type, field: f, desc });
  }

  private resolve(ref: string): Json {
    if (ref === "#") return this.root;
    if (!ref.startsWith("#/")) return problem(`unsupported $ref ${JSON.stringify(ref)}`);
    let cur: Json = this.root;
    for (const raw of ref.slice(2).split("/")) {
      const part = decodeURIComponent(raw).replace(/~1/g, "/").replace(/~0/g, "~");
      if (!isObject(cur) || !Object.hasOwn(cur, part)) problem(`unresolvable $ref ${JSON.stringify(ref)}`);
      cur = cur[part] as Json;
    }
    return cur;
  }

  /** True when value matches; records errors when record is set. */
  check(s: Json, v: Json, field: string, depth: number, record = true): boolean {
    if (depth > MAX_DEPTH) problem("schema recursion too deep");
    if (s === true) return true;
    if (s === false) {
      if (record) this.add(field, "false", "False always fails validation");
      return false;
    }
    if (!isObject(s)) return problem("schema must be an object or a boolean");
    if (typeof s.$ref === "string") return this.check(this.resolve(s.$ref), v, field, depth + 1, record);
    const before = this.errors.length;
    let ok = true;
    const bad = (type: string, desc: string) => {
      ok = false;
      if (record) this.add(field, type, desc);
    };
    const t = typeOf(v);
    if (s.type !== undefined) {
      const want = (Array.isArray(s.type) ? s.type : [s.type]) as string[];
      if (!want.includes(t) && !(t === "integer" && want.includes("number")))
        bad("invalid_type", `Invalid type. Expected: ${want.join("/")}, given: ${t}`);
    }
    if (Array.isArray(s.enum) && !s.enum.some((e) => deepEqual(e, v)))
      bad(
        "enum",
        `${field === "" ? "(root)" : field} must be one of the following: ${s.enum.map((e) => JSON.stringify(e)).join(", ")}`,
      );
    if (s.const !== undefined && !deepEqual(s.const, v))
      bad("const", `Does not match: ${JSON.stringify(s.const)}`);
    if (typeof v === "number") this.checkNumber(s, v, bad);
    if (typeof v === "string") this.checkString(s, v, bad);
    if (Array.isArray(v)) ok = this.checkArray(s, v, field, depth, record, bad) && ok;
    if (isObject(v)) ok = this.checkObject(s, v, field, depth, record, bad) && ok;
    ok = this.checkCombinators(s, v, field, depth, record, bad) && ok;
    if (!ok && record && this.errors.length === before)
      this.add(field, "invalid", "Does not match the schema");
    return ok;
  }

  private checkNumber(s: JsonObject, v: number, bad: (t: string, d: string) => void): void {
    if (typeof s.minimum === "number") {
      if (s.exclusiveMinimum === true ? v <= s.minimum : v < s.minimum)
        bad(
          "number_gte",
          `Must be greater than ${s.exclusiveMinimum === true ? "" : "or equal to "}${s.minimum}`,
        );
    }
    if (typeof s.maximum === "number") {
      if (s.exclusiveMaximum === true ? v >= s.maximum : v > s.maximum)
        bad(
          "number_lte",
          `Must be less than ${s.exclusiveMaximum === true ? "" : "or equal to "}${s.maximum}`,
        );
    }
    if (typeof s.exclusiveMinimum === "number" && v <= s.exclusiveMinimum)
      bad("number_gt", `Must be greater than ${s.exclusiveMinimum}`);
    if (typeof s.exclusiveMaximum === "number" && v >= s.exclusiveMaximum)
      bad("number_lt", `Must be less than ${s.exclusiveMaximum}`);
    if (typeof s.multipleOf === "number") {
      const q = v / s.multipleOf;
      if (Math.abs(q - Math.round(q)) > 1e-9) bad("multiple_of", `Must be a multiple of ${s.multipleOf}`);
    }
  }

  private checkString(s: JsonObject, v: string, bad: (t: string, d: string) => void): void {
    const len = [...v].length;
    if (typeof s.minLength === "number" && len < s.minLength)
      bad("string_gte", `String length must be greater than or equal to ${s.minLength}`);
    if (typeof s.maxLength === "number" && len > s.maxLength)
      bad("string_lte", `String length must be less than or equal to ${s.maxLength}`);
    if (typeof s.pattern === "string" && !compilePattern(s.pattern).test(v))
      bad("pattern", `Does not match pattern '${s.pattern}'`);
  }

  private checkArray(
    s: JsonObject,
    v: Json[],
    field: string,
    depth: number,
    record: boolean,
    bad: (t: string, d: string) => void,
  ): boolean {
    let ok = true;
    if (typeof s.minItems === "number" && v.length < s.minItems)
      bad("array_min_items", `Array must have at least ${s.minItems} items`);
    if (typeof s.maxItems === "number" && v.length > s.maxItems)
      bad("array_max_items", `Array must have at most ${s.maxItems} items`);
    if (s.uniqueItems === true && v.some((x, i) => v.findIndex((y) => deepEqual(x, y)) !== i))
      bad("unique", "array items must be unique");
    const at = (i: number) => `${field === "" ? "" : `${field}.`}${i}`;
    if (Array.isArray(s.items)) {
      const tuple = s.items;
      v.forEach((x, i) => {
        const sub = i < tuple.length ? tuple[i] : s.additionalItems;
        if (sub !== undefined && !this.check(sub as Json, x, at(i), depth + 1, record)) ok = false;
      });
    } else if (s.items !== undefined) {
      const items = s.items;
      v.forEach((x, i) => {
        if (!this.check(items, x, at(i), depth + 1, record)) ok = false;
      });
    }
    if (s.contains !== undefined) {
      const c = s.contains;
      if (!v.some((x, i) => this.check(c, x, at(i), depth + 1, false)))
        bad("contains", "At least one of the items must match");
    }
    return ok;
  }

  private checkObject(
    s: JsonObject,
    v: JsonObject,
    field: string,
    depth: number,
    record: boolean,
    bad: (t: string, d: string) => void,
  ): boolean {
    let ok = true;
    const at = (k: string) => (field === "" ? k : `${field}.${k}`);
    const keys = Object.keys(v);
    if (typeof s.minProperties === "number" && keys.length < s.minProperties)
      bad("array_min_properties", `Must have at least ${s.minProperties} properties`);
    if (typeof s.maxProperties === "number" && keys.length > s.maxProperties)
      bad("array_max_properties", `Must have at most ${s.maxProperties} properties`);
    if (Array.isArray(s.required))
      for (const r of s.required)
        if (typeof r === "string" && !Object.hasOwn(v, r)) bad("required", `${r} is required`);
    const props = isObject(s.properties) ? s.properties : {};
    const patternProps = isObject(s.patternProperties) ? Object.entries(s.patternProperties) : [];
    for (const k of keys) {
      const val = v[k] as Json;
      let matched = false;
      if (Object.hasOwn(props, k)) {
        matched = true;
        if (!this.check(props[k] as Json, val, at(k), depth + 1, record)) ok = false;
      }
      for (const [p, sub] of patternProps) {
        if (!compilePattern(p).test(k)) continue;
        matched = true;
        if (!this.check(sub, val, at(k), depth + 1, record)) ok = false;
      }
      if (!matched && s.additionalProperties !== undefined) {
        if (s.additionalProperties === false)
          bad("additional_property_not_allowed", `Additional property ${k} is not allowed`);
        else if (!this.check(s.additionalProperties, val, at(k), depth + 1, record)) ok = false;
      }
      if (s.propertyNames !== undefined && !this.check(s.propertyNames, k, at(k), depth + 1, record))
        ok = false;
    }
    if (isObject(s.dependencies)) {
      for (const [k, dep] of Object.entries(s.dependencies)) {
        if (!Object.hasOwn(v, k)) continue;
        if (Array.isArray(dep)) {
          for (const d of dep)
            if (typeof d === "string" && !Object.hasOwn(v, d))
              bad("missing_dependency", `Has a dependency on ${d}`);
        } else if (!this.check(dep, v, field, depth + 1, record)) ok = false;
      }
    }
    return ok;
  }

  private checkCombinators(
    s: JsonObject,
    v: Json,
    field: string,
    depth: number,
    record: boolean,
    bad: (t: string, d: string) => void,
  ): boolean {
    let ok = true;
    if (Array.isArray(s.allOf))
      for (const sub of s.allOf) if (!this.check(sub, v, field, depth + 1, record)) ok = false;
    if (Array.isArray(s.anyOf) && !s.anyOf.some((sub) => this.check(sub, v, field, depth + 1, false)))
      bad("number_any_of", "Must validate at least one schema (anyOf)");
    if (Array.isArray(s.oneOf)) {
      const n = s.oneOf.filter((sub) => this.check(sub, v, field, depth + 1, false)).length;
      if (n !== 1) bad("number_one_of", "Must validate one and only one schema (oneOf)");
    }
    if (s.not !== undefined && this.check(s.not, v, field, depth + 1, false))
      bad("number_not", "Must not validate the schema (not)");
    if (s.if !== undefined) {
      const branch = this.check(s.if, v, field, depth + 1, false) ? s.then : s.else;
      if (branch !== undefined && !this.check(branch, v, field, depth + 1, record)) ok = false;
    }
    return ok;
  }
}

function schemaOperand(v: unknown, operand: number): Json {
  if (typeof v !== "string" && !isObject(v) && typeof v !== "boolean")
    typeFail(operand, "string or object", v);
  return jsonOperand(v, "schema");
}

/** [true, null] for a usable schema, else [false, reason]. */
export function verifySchema(schema: unknown): [boolean, string | null] {
  const parsed = typeof schema === "string" ? parseJson(schema) : schemaOperand(schema, 1);
  if (parsed === NOT_JSON) return [false, "jsonschema: schema is not valid JSON"];
  try {
    checkSchema(parsed, 0);
    return [true, null];
  } catch (e) {
    if (e instanceof SchemaProblem) return [false, e.message];
    throw e;
  }
}

/** [true, []] when document matches schema, else [false, errors]; a bad schema is an error. */
export function matchSchema(document: unknown, schema: unknown): [boolean, SchemaError[]] {
  const s = schemaOperand(schema, 2);
  if (typeof document !== "string" && !isObject(document) && !Array.isArray(document))
    typeFail(1, "string, array or object", document);
  const doc = jsonOperand(document, "document");
  try {
    checkSchema(s, 0);
    const v = new Validator(s);
    const ok = v.check(s, doc, "", 0);
    return [ok, ok ? [] : v.errors];
  } catch (e) {
    if (e instanceof SchemaProblem) fail(e.message);
    throw e;
  }
}

export const jsonSchema: BuiltinFamily = {
  "json.verify_schema": (s) => verifySchema(s),
  "json.match_schema": (d, s) => matchSchema(d, s),
};
