/**
 * A strict checker of a JSON value (an Envoy YAML file, parsed) against a protobuf message type,
 * following the proto3 JSON mapping: field names in their original (snake_case) or lowerCamelCase
 * form, well-known types in their special JSON forms, `Any` resolved by its `@type`.
 *
 * Stricter than Envoy on purpose, so a file that passes here is one we can hand to operators:
 * every unknown field is an error (Envoy also rejects those), a field given twice under both
 * names, `null` values (usually a YAML key left empty by mistake), deprecated fields and enum
 * values, and the common protoc-gen-validate rules are errors too.
 */
import protobuf from "protobufjs";
import {
  checkDuration,
  checkScalar,
  checkTimestamp,
  isIntegerType,
  isPlainObject,
  typeName,
} from "./json-scalars.js";
import {
  enumRuleViolations,
  hasRules,
  ignoresEmpty,
  isRequiredMessage,
  isRequiredOneof,
  repeatedRuleViolations,
  scalarRuleViolations,
} from "./pgv-rules.js";
import type { SchemaIssue, SchemaIssueCode } from "./schema-issue.js";

const WRAPPERS: Record<string, string> = {
  ".google.protobuf.DoubleValue": "double",
  ".google.protobuf.FloatValue": "float",
  ".google.protobuf.Int64Value": "int64",
  ".google.protobuf.UInt64Value": "uint64",
  ".google.protobuf.Int32Value": "int32",
  ".google.protobuf.UInt32Value": "uint32",
  ".google.protobuf.BoolValue": "bool",
  ".google.protobuf.StringValue": "string",
  ".google.protobuf.BytesValue": "bytes",
};

/** Types whose JSON form is not an object of fields (inside Any they appear as {"@type", "value"}). */
const SPECIAL_JSON = new Set([
  ...Object.keys(WRAPPERS),
  ".google.protobuf.Duration",
  ".google.protobuf.Timestamp",
  ".google.protobuf.FieldMask",
  ".google.protobuf.Struct",
  ".google.protobuf.Value",
  ".google.protobuf.ListValue",
]);

const TYPED_STRUCTS = new Set([".xds.type.v3.TypedStruct", ".udpa.type.v1.TypedStruct"]);

/** protoc's json_name: drop each underscore and upper-case the character after it. */
export function lowerCamel(name: string): string {
  let out = "";
  let up = false;
  for (const c of name) {
    if (c === "_") up = true;
    else {
      out += up ? c.toUpperCase() : c;
      up = false;
    }
  }
  return out;
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j] ?? 0;
      row[j] = Math.min((row[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length] ?? 0;
}

export class ProtoJsonChecker {
  private readonly issues: SchemaIssue[] = [];
  /** Every `@type` seen, for reporting which extensions a file uses. */
  readonly typeUrls = new Set<string>();

  constructor(private readonly root: protobuf.Root) {}

  /** Checks `value` as message `typeName` (fully qualified, no leading dot). */
  check(typeName: string, value: unknown): SchemaIssue[] {
    this.issues.length = 0;
    this.typeUrls.clear();
    this.message(this.root.lookupType(typeName), value, "");
    return [...this.issues];
  }

  private report(code: SchemaIssueCode, path: string, message: string): void {
    this.issues.push({ code, path, message });
  }

  private message(type: protobuf.Type, v: unknown, path: string): void {
    const full = type.fullName;
    const wrapped = WRAPPERS[full];
    if (wrapped) {
      this.scalar(wrapped, undefined, v, path);
      return;
    }
    switch (full) {
      case ".google.protobuf.Duration":
        this.result(checkDuration(v), "BAD_DURATION", path);
        return;
      case ".google.protobuf.Timestamp":
        this.result(checkTimestamp(v), "BAD_TIMESTAMP", path);
        return;
      case ".google.protobuf.FieldMask":
        if (typeof v !== "string") this.report("WRONG_TYPE", path, "a FieldMask is a string");
        return;
      case ".google.protobuf.Struct":
        if (!isPlainObject(v)) this.report("WRONG_TYPE", path, `a Struct is a mapping, got ${typeName(v)}`);
        return;
      case ".google.protobuf.ListValue":
        if (!Array.isArray(v)) this.report("WRONG_TYPE", path, `a ListValue is a list, got ${typeName(v)}`);
        return;
      case ".google.protobuf.Value":
        return;
      case ".google.protobuf.Any":
        this.any(v, path);
        return;
      case ".google.protobuf.Empty":
        if (!isPlainObject(v) || Object.keys(v).length > 0)
          this.report("WRONG_TYPE", path, "google.protobuf.Empty must be {}");
        return;
    }
    if (!isPlainObject(v)) {
      this.report("WRONG_TYPE", path, `${full.slice(1)} must be a mapping, got ${typeName(v)}`);
      return;
    }
    this.fields(type, v, path, new Set());
  }

  /** Checks the keys of `obj` as fields of `type`; keys in `skip` (e.g. "@type") are not fields. */
  private fields(type: protobuf.Type, obj: Record<string, unknown>, path: string, skip: Set<string>): void {
    const byName = new Map<string, protobuf.Field>();
    for (const f of type.fieldsArray) {
      byName.set(f.name, f);
      byName.set(lowerCamel(f.name), f);
      const jsonName = f.options?.json_name;
      if (typeof jsonName === "string") byName.set(jsonName, f);
    }
    const seen = new Map<string, string>();
    const oneofSet = new Map<string, string>();
    for (const [key, value] of Object.entries(obj)) {
      if (skip.has(key)) continue;
      const at = join(path, key);
      const field = byName.get(key);
      if (!field) {
        this.report("UNKNOWN_FIELD", at, this.unknownFieldMessage(type, key));
        continue;
      }
      const earlier = seen.get(field.name);
      if (earlier !== undefined) {
        this.report("DUPLICATE_FIELD", at, `field ${field.name} already given as ${earlier}`);
        continue;
      }
      seen.set(field.name, key);
      if (value === null) {
        this.report("NULL_VALUE", at, "null value (a YAML key with nothing after it?)");
        continue;
      }
      if (field.options?.deprecated === true) {
        this.report("DEPRECATED", at, `field ${field.name} of ${type.fullName.slice(1)} is deprecated`);
      }
      const oneof = field.partOf;
      if (oneof) {
        const other = oneofSet.get(oneof.name);
        if (other !== undefined) {
          this.report("ONEOF_CONFLICT", at, `${field.name} and ${other} are both set (oneof ${oneof.name})`);
        }
        oneofSet.set(oneof.name, field.name);
      }
      this.field(field, value, at);
    }
    for (const f of type.fieldsArray) {
      // protoc-gen-validate applies the rules of a oneof member only when that member is set.
      if (isRequiredMessage(f.options) && !f.partOf && !seen.has(f.name)) {
        this.report("RULE_VIOLATION", join(path, f.name), `required field ${f.name} is missing`);
      }
    }
    for (const f of type.fieldsArray) {
      if (!seen.has(f.name)) this.absentScalarRules(f, join(path, f.name));
    }
    for (const o of type.oneofsArray) {
      if (isRequiredOneof(o.options) && !oneofSet.has(o.name)) {
        this.report("RULE_VIOLATION", path, `one of ${o.oneof.join(", ")} is required (oneof ${o.name})`);
      }
    }
  }

  /**
   * protoc-gen-validate also checks proto3 scalars that are absent, as their zero value (an
   * HttpStatus without `code` is code 0, which `not_in: [0]` forbids; a cluster without `name`
   * is "" against `min_len: 1`). Oneof members, repeated and map fields are exempt.
   */
  private absentScalarRules(f: protobuf.Field, path: string): void {
    if (f.partOf || f.repeated || f.map || !hasRules(f.options)) return;
    const resolved = f.resolvedType;
    if (resolved instanceof protobuf.Type) return;
    if (resolved instanceof protobuf.Enum) {
      if (ignoresEmpty("enum", f.options)) return;
      for (const why of enumRuleViolations(f.options, 0))
        this.report("RULE_VIOLATION", path, `absent: ${why}`);
      return;
    }
    if (ignoresEmpty(f.type, f.options)) return;
    const zero = f.type === "string" || f.type === "bytes" ? "" : f.type === "bool" ? false : 0;
    for (const why of scalarRuleViolations(f.type, f.options, zero)) {
      this.report("RULE_VIOLATION", path, `absent: ${why}`);
    }
  }

  private unknownFieldMessage(type: protobuf.Type, key: string): string {
    let best: string | undefined;
    let bestDistance = 3;
    for (const f of type.fieldsArray) {
      const d = editDistance(key, f.name);
      if (d < bestDistance) {
        best = f.name;
        bestDistance = d;
      }
    }
    const hint = best ? ` (did you mean ${best}?)` : "";
    return `unknown field "${key}" in ${type.fullName.slice(1)}${hint}`;
  }

  private field(field: protobuf.Field, v: unknown, path: string): void {
    if (field.map) {
      if (!isPlainObject(v)) {
        this.report("WRONG_TYPE", path, `map field ${field.name} must be a mapping, got ${typeName(v)}`);
        return;
      }
      const keyType = field instanceof protobuf.MapField ? field.keyType : "string";
      for (const [k, item] of Object.entries(v)) {
        if (isIntegerType(keyType) && !/^-?\d+$/.test(k)) {
          this.report("BAD_NUMBER", join(path, k), `map key must be an integer, got ${JSON.stringify(k)}`);
        }
        if (keyType === "bool" && k !== "true" && k !== "false") {
          this.report("WRONG_TYPE", join(path, k), "map key must be true or false");
        }
        this.single(field, item, join(path, k));
      }
      return;
    }
    if (field.repeated) {
      if (!Array.isArray(v)) {
        this.report("WRONG_TYPE", path, `repeated field ${field.name} must be a list, got ${typeName(v)}`);
        return;
      }
      for (const why of repeatedRuleViolations(field.options, v.length))
        this.report("RULE_VIOLATION", path, why);
      v.forEach((item, i) => {
        this.single(field, item, `${path}[${i}]`);
      });
      return;
    }
    this.single(field, v, path);
  }

  private single(field: protobuf.Field, v: unknown, path: string): void {
    if (v === null) {
      this.report("NULL_VALUE", path, "null value");
      return;
    }
    const resolved = field.resolvedType;
    if (resolved instanceof protobuf.Enum) {
      this.enumValue(resolved, field.options, v, path);
      return;
    }
    if (resolved instanceof protobuf.Type) {
      this.message(resolved, v, path);
      return;
    }
    this.scalar(field.type, field.options, v, path);
  }

  private scalar(type: string, options: Record<string, unknown> | undefined, v: unknown, path: string): void {
    const r = checkScalar(type, v);
    if (!r.ok) {
      this.report(
        isIntegerType(type) ? "BAD_NUMBER" : type === "bytes" ? "BAD_BYTES" : "WRONG_TYPE",
        path,
        r.why,
      );
      return;
    }
    for (const why of scalarRuleViolations(type, options, v)) this.report("RULE_VIOLATION", path, why);
  }

  private enumValue(
    e: protobuf.Enum,
    options: Record<string, unknown> | undefined,
    v: unknown,
    path: string,
  ): void {
    let name: string | undefined;
    if (typeof v === "string") name = v in e.values ? v : undefined;
    else if (typeof v === "number") name = e.valuesById[v];
    if (name === undefined) {
      const allowed = Object.keys(e.values).join(", ");
      this.report(
        "BAD_ENUM",
        path,
        `${JSON.stringify(v)} is not a value of ${e.fullName.slice(1)} (${allowed})`,
      );
      return;
    }
    const number = e.values[name];
    if (number !== undefined) {
      for (const why of enumRuleViolations(options, number)) this.report("RULE_VIOLATION", path, why);
    }
    const valueOptions = e.valuesOptions?.[name];
    if (valueOptions?.deprecated === true) {
      this.report("DEPRECATED", path, `enum value ${name} of ${e.fullName.slice(1)} is deprecated`);
    }
  }

  private resolveTypeUrl(url: unknown, path: string): protobuf.Type | undefined {
    if (typeof url !== "string" || !url.includes("/")) {
      this.report("BAD_ANY", path, `"@type" must be a type URL like type.googleapis.com/<message>`);
      return undefined;
    }
    const name = url.slice(url.lastIndexOf("/") + 1);
    this.typeUrls.add(name);
    const found = this.root.lookup(name);
    if (!(found instanceof protobuf.Type)) {
      this.report("UNKNOWN_TYPE_URL", path, `no message ${name} in Envoy's API (from "@type": ${url})`);
      return undefined;
    }
    return found;
  }

  private any(v: unknown, path: string): void {
    if (!isPlainObject(v)) {
      this.report("WRONG_TYPE", path, `an Any (typed_config) must be a mapping, got ${typeName(v)}`);
      return;
    }
    const at = join(path, "@type");
    if (!("@type" in v)) {
      this.report("BAD_ANY", at, `missing "@type"`);
      return;
    }
    const type = this.resolveTypeUrl(v["@type"], at);
    if (!type) return;
    if (SPECIAL_JSON.has(type.fullName)) {
      for (const k of Object.keys(v)) {
        if (k !== "@type" && k !== "value")
          this.report("UNKNOWN_FIELD", join(path, k), `only "value" allowed here`);
      }
      this.message(type, v.value, join(path, "value"));
      return;
    }
    this.fields(type, v, path, new Set(["@type"]));
    if (TYPED_STRUCTS.has(type.fullName)) {
      const inner = this.resolveTypeUrl(v.type_url ?? v.typeUrl, join(path, "type_url"));
      if (inner) this.message(inner, v.value ?? {}, join(path, "value"));
    }
  }

  private result(r: { ok: true } | { ok: false; why: string }, code: SchemaIssueCode, path: string): void {
    if (!r.ok) this.report(code, path, r.why);
  }
}
