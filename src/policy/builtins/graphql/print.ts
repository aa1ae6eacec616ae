/**
 * gqlparser JSON AST back to GraphQL text (AST objects given as builtin operands). Every name and
 * raw token is checked against GraphQL's lexical grammar, so a crafted object cannot inject text.
 */
import { type JsonObject, isObject } from "../args.js";
import { fail } from "../errors.js";

const NAME = /^[_A-Za-z][_0-9A-Za-z]*$/;
const INT = /^-?(0|[1-9][0-9]*)$/;
const FLOAT = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$/;
const OPERATIONS = new Set(["query", "mutation", "subscription"]);

function astObj(v: unknown, what: string): JsonObject {
  if (!isObject(v)) fail(`GraphQL AST: ${what} must be an object`);
  return v;
}

function astList(o: JsonObject, key: string): JsonObject[] {
  const v = o[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) fail(`GraphQL AST: ${key} must be an array`);
  return v.map((e) => astObj(e, key));
}

function astString(o: JsonObject, key: string, fallback?: string): string {
  const v = o[key] ?? fallback;
  if (typeof v !== "string") fail(`GraphQL AST: ${key} must be a string`);
  return v;
}

function astName(o: JsonObject, key: string): string {
  const v = astString(o, key);
  if (!NAME.test(v)) fail(`GraphQL AST: ${key} is not a GraphQL name`);
  return v;
}

function nameList(o: JsonObject, key: string): string[] {
  const v = o[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) fail(`GraphQL AST: ${key} must be an array`);
  return v.map((n) => {
    if (typeof n !== "string" || !NAME.test(n)) fail(`GraphQL AST: ${key} holds a non-name`);
    return n;
  });
}

function printValue(v: JsonObject): string {
  const raw = astString(v, "Raw", "");
  const children = astList(v, "Children");
  switch (v.Kind) {
    case 0:
      if (!NAME.test(raw)) fail("GraphQL AST: bad variable name");
      return `$${raw}`;
    case 1:
      if (!INT.test(raw)) fail("GraphQL AST: bad Int value");
      return raw;
    case 2:
      if (!FLOAT.test(raw)) fail("GraphQL AST: bad Float value");
      return raw;
    case 3:
    case 4:
      return JSON.stringify(raw);
    case 5:
      if (raw !== "true" && raw !== "false") fail("GraphQL AST: bad Boolean value");
      return raw;
    case 6:
      return "null";
    case 7:
      if (!NAME.test(raw)) fail("GraphQL AST: bad Enum value");
      return raw;
    case 8:
      return `[${children.map((c) => printValue(astObj(c.Value, "Value"))).join(", ")}]`;
    case 9:
      return `{${children.map((c) => `${astName(c, "Name")}: ${printValue(astObj(c.Value, "Value"))}`).join(", ")}}`;
    default:
      return fail("GraphQL AST: unknown value Kind");
  }
}

function printType(t: JsonObject, depth = 0): string {
  if (depth > 32) fail("GraphQL AST: type nested too deeply");
  const base =
    t.Elem !== undefined && t.Elem !== null
      ? `[${printType(astObj(t.Elem, "Elem"), depth + 1)}]`
      : astName(t, "NamedType");
  return t.NonNull === true ? `${base}!` : base;
}

function printArguments(o: JsonObject): string {
  const args = astList(o, "Arguments");
  if (args.length === 0) return "";
  return `(${args.map((a) => `${astName(a, "Name")}: ${printValue(astObj(a.Value, "Value"))}`).join(", ")})`;
}

function printDirectives(o: JsonObject): string {
  return astList(o, "Directives")
    .map((d) => ` @${astName(d, "Name")}${printArguments(d)}`)
    .join("");
}

function printSelections(o: JsonObject): string {
  const sels = astList(o, "SelectionSet");
  if (sels.length === 0) return "";
  return ` { ${sels.map(printSelection).join(" ")} }`;
}

function printSelection(s: JsonObject): string {
  if ("TypeCondition" in s) {
    const on = astString(s, "TypeCondition");
    const cond = on === "" ? "" : ` on ${astName(s, "TypeCondition")}`;
    return `...${cond}${printDirectives(s)}${printSelections(s)}`;
  }
  if ("Alias" in s) {
    const name = astName(s, "Name");
    const alias = astName(s, "Alias");
    const head = alias === name ? name : `${alias}: ${name}`;
    return `${head}${printArguments(s)}${printDirectives(s)}${printSelections(s)}`;
  }
  return `...${astName(s, "Name")}${printDirectives(s)}`;
}

function printVariables(vars: JsonObject[]): string {
  if (vars.length === 0) return "";
  const parts = vars.map((v) => {
    const dflt = v.DefaultValue ? ` = ${printValue(astObj(v.DefaultValue, "DefaultValue"))}` : "";
    return `$${astName(v, "Variable")}: ${printType(astObj(v.Type, "Type"))}${dflt}${printDirectives(v)}`;
  });
  return `(${parts.join(", ")})`;
}

/** GraphQL text of a gqlparser QueryDocument JSON object. */
export function printQueryDocument(doc: JsonObject): string {
  const out: string[] = [];
  for (const op of astList(doc, "Operations")) {
    const kind = astString(op, "Operation");
    if (!OPERATIONS.has(kind)) fail("GraphQL AST: bad Operation");
    const name = astString(op, "Name", "");
    const named = name === "" ? "" : ` ${astName(op, "Name")}`;
    const vars = printVariables(astList(op, "VariableDefinitions"));
    out.push(`${kind}${named}${vars}${printDirectives(op)}${printSelections(op)}`);
  }
  for (const f of astList(doc, "Fragments")) {
    const vars = printVariables(astList(f, "VariableDefinition"));
    out.push(
      `fragment ${astName(f, "Name")}${vars} on ${astName(f, "TypeCondition")}${printDirectives(f)}${printSelections(f)}`,
    );
  }
  return out.join("\n");
}

function printDescription(o: JsonObject): string {
  const d = astString(o, "Description", "");
  return d === "" ? "" : `${JSON.stringify(d)} `;
}

function printInputValues(vals: JsonObject[]): string[] {
  return vals.map((a) => {
    const dflt = a.DefaultValue ? ` = ${printValue(astObj(a.DefaultValue, "DefaultValue"))}` : "";
    return `${printDescription(a)}${astName(a, "Name")}: ${printType(astObj(a.Type, "Type"))}${dflt}${printDirectives(a)}`;
  });
}

function printArgumentDefs(o: JsonObject): string {
  const args = astList(o, "Arguments");
  return args.length === 0 ? "" : `(${printInputValues(args).join(", ")})`;
}

function printBlock(lines: string[]): string {
  return lines.length === 0 ? "" : ` { ${lines.join(" ")} }`;
}

const TYPE_KEYWORD: Record<string, string> = {
  SCALAR: "scalar",
  OBJECT: "type",
  INTERFACE: "interface",
  UNION: "union",
  ENUM: "enum",
  INPUT_OBJECT: "input",
};

function printDefinition(d: JsonObject, extend: boolean): string {
  const kind = astString(d, "Kind");
  const keyword = TYPE_KEYWORD[kind];
  if (!keyword) fail("GraphQL AST: unknown definition Kind");
  const head = `${extend ? "extend " : printDescription(d)}${keyword} ${astName(d, "Name")}`;
  const interfaces = nameList(d, "Interfaces");
  const impl = interfaces.length > 0 ? ` implements ${interfaces.join(" & ")}` : "";
  const dirs = printDirectives(d);
  switch (kind) {
    case "OBJECT":
    case "INTERFACE":
      return `${head}${impl}${dirs}${printBlock(
        astList(d, "Fields").map(
          (f) =>
            `${printDescription(f)}${astName(f, "Name")}${printArgumentDefs(f)}: ${printType(astObj(f.Type, "Type"))}${printDirectives(f)}`,
        ),
      )}`;
    case "UNION": {
      const types = nameList(d, "Types");
      return `${head}${dirs}${types.length > 0 ? ` = ${types.join(" | ")}` : ""}`;
    }
    case "ENUM":
      return `${head}${dirs}${printBlock(
        astList(d, "EnumValues").map(
          (v) => `${printDescription(v)}${astName(v, "Name")}${printDirectives(v)}`,
        ),
      )}`;
    case "INPUT_OBJECT":
      return `${head}${dirs}${printBlock(printInputValues(astList(d, "Fields")))}`;
    default:
      return `${head}${dirs}`;
  }
}

function printSchemaDefinition(s: JsonObject, extend: boolean): string {
  const ops = astList(s, "OperationTypes").map((o) => {
    const op = astString(o, "Operation");
    if (!OPERATIONS.has(op)) fail("GraphQL AST: bad schema Operation");
    return `${op}: ${astName(o, "Type")}`;
  });
  return `${extend ? "extend " : printDescription(s)}schema${printDirectives(s)}${printBlock(ops)}`;
}

/** GraphQL SDL of a gqlparser SchemaDocument JSON object (built-in definitions left out). */
export function printSchemaDocument(doc: JsonObject): string {
  const out: string[] = [];
  for (const s of astList(doc, "Schema")) out.push(printSchemaDefinition(s, false));
  for (const s of astList(doc, "SchemaExtension")) out.push(printSchemaDefinition(s, true));
  for (const d of astList(doc, "Directives")) {
    if (d.BuiltIn === true) continue;
    const locations = nameList(d, "Locations");
    const repeatable = d.IsRepeatable === true ? " repeatable" : "";
    out.push(
      `${printDescription(d)}directive @${astName(d, "Name")}${printArgumentDefs(d)}${repeatable} on ${locations.join(" | ")}`,
    );
  }
  for (const d of astList(doc, "Definitions")) if (d.BuiltIn !== true) out.push(printDefinition(d, false));
  for (const d of astList(doc, "Extensions")) out.push(printDefinition(d, true));
  return out.join("\n");
}
