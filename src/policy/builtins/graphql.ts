/**
 * GraphQL builtins with the graphql package. parse_query, parse_schema, parse and
 * parse_and_verify return ASTs in gqlparser's JSON shape (what OPA returns: positions and empty
 * lists left out), converted from graphql-js's AST. Every builtin also takes such AST objects as
 * operands: they are printed back to GraphQL text (names and raw tokens checked against the
 * lexical grammar) and then parsed like a string operand.
 */
import {
  type ArgumentNode,
  type DefinitionNode,
  type DirectiveDefinitionNode,
  type DirectiveNode,
  type FieldDefinitionNode,
  type InputValueDefinitionNode,
  type SchemaDefinitionNode,
  type SchemaExtensionNode,
  type TypeDefinitionNode,
  type TypeExtensionNode,
  isTypeDefinitionNode,
  isTypeExtensionNode,
  type DocumentNode,
  GraphQLError,
  type SelectionNode,
  type TypeNode,
  type ValueNode,
  type VariableDefinitionNode,
  type GraphQLSchema,
  Kind,
  Lexer,
  Source,
  TokenKind,
  buildASTSchema,
  parse,
  validate,
  validateSchema,
} from "graphql";
import { type Json, type JsonObject, isObject, str } from "./args.js";
import { BuiltinError, fail } from "./errors.js";
import type { BuiltinFamily } from "./registry.js";

const MAX_TEXT = 1 << 20;

const EXTENSION_TO_DEFINITION: Partial<Record<string, Kind>> = {
  [Kind.OBJECT_TYPE_EXTENSION]: Kind.OBJECT_TYPE_DEFINITION,
  [Kind.INTERFACE_TYPE_EXTENSION]: Kind.INTERFACE_TYPE_DEFINITION,
  [Kind.UNION_TYPE_EXTENSION]: Kind.UNION_TYPE_DEFINITION,
  [Kind.ENUM_TYPE_EXTENSION]: Kind.ENUM_TYPE_DEFINITION,
  [Kind.INPUT_OBJECT_TYPE_EXTENSION]: Kind.INPUT_OBJECT_TYPE_DEFINITION,
  [Kind.SCALAR_TYPE_EXTENSION]: Kind.SCALAR_TYPE_DEFINITION,
};

/**
 * gqlparser (OPA's GraphQL library) accepts extensions of types the document does not define:
 * the first such extension becomes the definition.
 */
function liftOrphanExtensions(doc: DocumentNode): DocumentNode {
  const defined = new Set<string>();
  for (const d of doc.definitions)
    if ("name" in d && d.name && !d.kind.endsWith("Extension")) defined.add(d.name.value);
  const definitions: DefinitionNode[] = doc.definitions.map((d) => {
    const kind = EXTENSION_TO_DEFINITION[d.kind];
    if (!kind || !("name" in d) || !d.name || defined.has(d.name.value)) return d;
    defined.add(d.name.value);
    return { ...d, kind } as unknown as DefinitionNode;
  });
  return { ...doc, definitions };
}

/** Built schemas by SDL text: policies pass the same schema on every request. */
const schemaCache = new Map<string, GraphQLSchema | null>();
const SCHEMA_CACHE_SIZE = 32;

function schemaOf(text: string): GraphQLSchema | undefined {
  if (text.length > MAX_TEXT) fail("GraphQL schema too large");
  const cached = schemaCache.get(text);
  if (cached !== undefined) return cached ?? undefined;
  const built = buildSchema(text);
  if (schemaCache.size >= SCHEMA_CACHE_SIZE) schemaCache.clear();
  schemaCache.set(text, built ?? null);
  return built;
}

function buildSchema(text: string): GraphQLSchema | undefined {
  try {
    const schema = buildASTSchema(liftOrphanExtensions(parse(text, { noLocation: true })), {
      assumeValidSDL: false,
    });
    // gqlparser does not require a query root type.
    const errors = validateSchema(schema).filter((e) => !/Query root type must be provided/.test(e.message));
    return errors.length === 0 ? schema : undefined;
  } catch (e) {
    if (e instanceof GraphQLError || e instanceof Error) return undefined;
    throw e;
  }
}

function isValid(query: string, schemaText: string): boolean {
  if (query.length > MAX_TEXT) fail("GraphQL query too large");
  const schema = schemaOf(schemaText);
  if (!schema) return false;
  try {
    return validationErrors(schema, parseQueryText(query)).length === 0;
  } catch (e) {
    if (e instanceof BuiltinError || e instanceof GraphQLError) return false;
    throw e;
  }
}

/**
 * Query validation. An empty document has nothing to check (gqlparser accepts it). graphql-js
 * refuses to validate against a schema without a query root type, which gqlparser allows: such a
 * query is reported as a precise failure rather than accepted.
 */
function validationErrors(schema: GraphQLSchema, doc: DocumentNode): readonly GraphQLError[] {
  if (doc.definitions.length === 0) return [];
  if (!schema.getQueryType()) fail("GraphQL schema has no query root type to validate against");
  return validate(schema, doc);
}

/** gqlparser's ast.ValueKind numbering. */
const VALUE_KIND: Record<ValueNode["kind"], number> = {
  [Kind.VARIABLE]: 0,
  [Kind.INT]: 1,
  [Kind.FLOAT]: 2,
  [Kind.STRING]: 3,
  [Kind.BOOLEAN]: 5,
  [Kind.NULL]: 6,
  [Kind.ENUM]: 7,
  [Kind.LIST]: 8,
  [Kind.OBJECT]: 9,
};

function valueJson(v: ValueNode): JsonObject {
  const out: JsonObject = { ExpectedTypeHasDefault: false, Kind: VALUE_KIND[v.kind], Raw: "" };
  switch (v.kind) {
    case Kind.VARIABLE:
      out.Raw = v.name.value;
      break;
    case Kind.STRING:
      out.Raw = v.value;
      if (v.block) out.Kind = 4;
      break;
    case Kind.INT:
    case Kind.FLOAT:
    case Kind.ENUM:
      out.Raw = v.value;
      break;
    case Kind.BOOLEAN:
      out.Raw = v.value ? "true" : "false";
      break;
    case Kind.NULL:
      out.Raw = "null";
      break;
    case Kind.LIST:
      if (v.values.length > 0) out.Children = v.values.map((c) => ({ Name: "", Value: valueJson(c) }));
      break;
    case Kind.OBJECT:
      if (v.fields.length > 0)
        out.Children = v.fields.map((f) => ({ Name: f.name.value, Value: valueJson(f.value) }));
      break;
  }
  return out;
}

function typeJson(t: TypeNode): JsonObject {
  if (t.kind === Kind.NON_NULL_TYPE) return { ...typeJson(t.type), NonNull: true };
  if (t.kind === Kind.LIST_TYPE) return { Elem: typeJson(t.type), NamedType: "", NonNull: false };
  return { NamedType: t.name.value, NonNull: false };
}

/** Sets key to value only when the list is non-empty (Go's omitempty). */
function putList(out: JsonObject, key: string, value: Json[]): void {
  if (value.length > 0) out[key] = value;
}

function argumentsJson(args: readonly ArgumentNode[] | undefined): Json[] {
  return (args ?? []).map((a) => ({ Name: a.name.value, Value: valueJson(a.value) }));
}

function directivesJson(ds: readonly DirectiveNode[] | undefined): Json[] {
  return (ds ?? []).map((d) => {
    const out: JsonObject = { Location: "", Name: d.name.value };
    putList(out, "Arguments", argumentsJson(d.arguments));
    return out;
  });
}

function selectionJson(s: SelectionNode): JsonObject {
  const out: JsonObject = {};
  if (s.kind === Kind.FIELD) {
    out.Alias = s.alias?.value ?? s.name.value;
    out.Name = s.name.value;
    putList(out, "Arguments", argumentsJson(s.arguments));
  } else if (s.kind === Kind.FRAGMENT_SPREAD) {
    out.Name = s.name.value;
  } else {
    out.TypeCondition = s.typeCondition?.name.value ?? "";
  }
  putList(out, "Directives", directivesJson(s.directives));
  if (s.kind !== Kind.FRAGMENT_SPREAD)
    putList(out, "SelectionSet", (s.selectionSet?.selections ?? []).map(selectionJson));
  return out;
}

function variablesJson(vs: readonly VariableDefinitionNode[] | undefined): Json[] {
  return (vs ?? []).map((v) => {
    const out: JsonObject = { Type: typeJson(v.type), Used: false, Variable: v.variable.name.value };
    if (v.defaultValue) out.DefaultValue = valueJson(v.defaultValue);
    putList(out, "Directives", directivesJson(v.directives));
    return out;
  });
}

type Described = { description?: { value: string } | undefined };

function descriptionOf(n: Described): string {
  return n.description?.value ?? "";
}

function argumentDefsJson(args: readonly InputValueDefinitionNode[] | undefined): Json[] {
  return (args ?? []).map((a) => {
    const out: JsonObject = { Description: descriptionOf(a), Name: a.name.value, Type: typeJson(a.type) };
    if (a.defaultValue) out.DefaultValue = valueJson(a.defaultValue);
    putList(out, "Directives", directivesJson(a.directives));
    return out;
  });
}

function fieldDefsJson(fields: readonly FieldDefinitionNode[]): Json[] {
  return fields.map((f) => {
    const out: JsonObject = { Description: descriptionOf(f), Name: f.name.value, Type: typeJson(f.type) };
    putList(out, "Arguments", argumentDefsJson(f.arguments));
    putList(out, "Directives", directivesJson(f.directives));
    return out;
  });
}

/** gqlparser's ast.Definition for a type definition or extension. */
function typeDefinitionJson(d: TypeDefinitionNode | TypeExtensionNode): JsonObject {
  const out: JsonObject = {
    BuiltIn: false,
    Description: "description" in d ? descriptionOf(d) : "",
    Kind: "",
    Name: d.name.value,
  };
  putList(out, "Directives", directivesJson(d.directives));
  switch (d.kind) {
    case Kind.SCALAR_TYPE_DEFINITION:
    case Kind.SCALAR_TYPE_EXTENSION:
      out.Kind = "SCALAR";
      break;
    case Kind.OBJECT_TYPE_DEFINITION:
    case Kind.OBJECT_TYPE_EXTENSION:
    case Kind.INTERFACE_TYPE_DEFINITION:
    case Kind.INTERFACE_TYPE_EXTENSION:
      out.Kind = d.kind.startsWith("Object") ? "OBJECT" : "INTERFACE";
      putList(
        out,
        "Interfaces",
        (d.interfaces ?? []).map((i) => i.name.value),
      );
      putList(out, "Fields", fieldDefsJson(d.fields ?? []));
      break;
    case Kind.UNION_TYPE_DEFINITION:
    case Kind.UNION_TYPE_EXTENSION:
      out.Kind = "UNION";
      putList(
        out,
        "Types",
        (d.types ?? []).map((t) => t.name.value),
      );
      break;
    case Kind.ENUM_TYPE_DEFINITION:
    case Kind.ENUM_TYPE_EXTENSION:
      out.Kind = "ENUM";
      putList(
        out,
        "EnumValues",
        (d.values ?? []).map((v) => {
          const ev: JsonObject = { Description: descriptionOf(v), Name: v.name.value };
          putList(ev, "Directives", directivesJson(v.directives));
          return ev;
        }),
      );
      break;
    case Kind.INPUT_OBJECT_TYPE_DEFINITION:
    case Kind.INPUT_OBJECT_TYPE_EXTENSION:
      out.Kind = "INPUT_OBJECT";
      putList(out, "Fields", argumentDefsJson(d.fields));
      break;
  }
  return out;
}

function schemaDefinitionJson(d: SchemaDefinitionNode | SchemaExtensionNode): JsonObject {
  const out: JsonObject = { Description: "description" in d ? descriptionOf(d) : "" };
  putList(out, "Directives", directivesJson(d.directives));
  putList(
    out,
    "OperationTypes",
    (d.operationTypes ?? []).map((o) => ({ Operation: o.operation, Type: o.type.name.value })),
  );
  return out;
}

function directiveDefinitionJson(d: DirectiveDefinitionNode): JsonObject {
  const out: JsonObject = {
    Description: descriptionOf(d),
    IsRepeatable: d.repeatable,
    Name: d.name.value,
  };
  putList(out, "Arguments", argumentDefsJson(d.arguments));
  putList(
    out,
    "Locations",
    d.locations.map((l) => l.value),
  );
  return out;
}

/** A schema document in gqlparser's SchemaDocument JSON shape (empty parts left out, as OPA does). */
export function schemaDocumentJson(doc: DocumentNode): JsonObject {
  const parts: Record<string, Json[]> = {
    Schema: [],
    SchemaExtension: [],
    Directives: [],
    Definitions: [],
    Extensions: [],
  };
  for (const d of doc.definitions) {
    if (d.kind === Kind.SCHEMA_DEFINITION) parts.Schema?.push(schemaDefinitionJson(d));
    else if (d.kind === Kind.SCHEMA_EXTENSION) parts.SchemaExtension?.push(schemaDefinitionJson(d));
    else if (d.kind === Kind.DIRECTIVE_DEFINITION) parts.Directives?.push(directiveDefinitionJson(d));
    else if (isTypeDefinitionNode(d)) parts.Definitions?.push(typeDefinitionJson(d));
    else if (isTypeExtensionNode(d)) parts.Extensions?.push(typeDefinitionJson(d));
    else fail(`unexpected ${d.kind} in a GraphQL schema`);
  }
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(parts)) putList(out, k, v);
  return out;
}

/** A query document in gqlparser's QueryDocument JSON shape (positions left out, as OPA does). */
export function queryDocumentJson(doc: DocumentNode): JsonObject {
  const operations: Json[] = [];
  const fragments: Json[] = [];
  for (const d of doc.definitions) {
    if (d.kind === Kind.OPERATION_DEFINITION) {
      const op: JsonObject = { Name: d.name?.value ?? "", Operation: d.operation };
      putList(op, "VariableDefinitions", variablesJson(d.variableDefinitions));
      putList(op, "Directives", directivesJson(d.directives));
      putList(op, "SelectionSet", d.selectionSet.selections.map(selectionJson));
      operations.push(op);
    } else if (d.kind === Kind.FRAGMENT_DEFINITION) {
      const f: JsonObject = { Name: d.name.value, TypeCondition: d.typeCondition.name.value };
      putList(f, "VariableDefinition", variablesJson(d.variableDefinitions));
      putList(f, "Directives", directivesJson(d.directives));
      putList(f, "SelectionSet", d.selectionSet.selections.map(selectionJson));
      fragments.push(f);
    } else {
      fail(`unexpected ${d.kind} in a GraphQL query`);
    }
  }
  const out: JsonObject = {};
  putList(out, "Operations", operations);
  putList(out, "Fragments", fragments);
  return out;
}

/** True when the text holds no GraphQL token (gqlparser accepts such a document as empty). */
function isBlank(text: string): boolean {
  try {
    return new Lexer(new Source(text)).advance().kind === TokenKind.EOF;
  } catch {
    return false;
  }
}

function parseQueryText(query: string): DocumentNode {
  if (query.length > MAX_TEXT) fail("GraphQL query too large");
  if (isBlank(query)) return { kind: Kind.DOCUMENT, definitions: [] };
  try {
    return parse(query, { noLocation: false, allowLegacyFragmentVariables: true });
  } catch (e) {
    if (e instanceof GraphQLError) fail(`${e.message} in GraphQL string`);
    throw e;
  }
}

function parseQuery(query: string): JsonObject {
  return queryDocumentJson(parseQueryText(query));
}

/** Parses and validates query against schema; throws with the first problem. */
function parseAndValidate(query: string, schemaText: string): [JsonObject, JsonObject] {
  const doc = parseQueryText(query);
  const schemaDoc = parseSchemaText(schemaText);
  const schema = schemaOf(schemaText);
  if (!schema) fail("invalid GraphQL schema");
  const errors = validationErrors(schema, doc);
  const first = errors[0];
  if (first) fail(`${first.message} in GraphQL string`);
  return [queryDocumentJson(doc), schemaDocumentJson(schemaDoc)];
}

function parseSchemaText(text: string): DocumentNode {
  if (text.length > MAX_TEXT) fail("GraphQL schema too large");
  if (isBlank(text)) return { kind: Kind.DOCUMENT, definitions: [] };
  try {
    return parse(text, { noLocation: true });
  } catch (e) {
    if (e instanceof GraphQLError) fail(`${e.message} in GraphQL schema`);
    throw e;
  }
}

// --- gqlparser JSON AST back to GraphQL text (object operands). Every name and raw token is
// checked against GraphQL's lexical grammar, so a crafted object cannot inject text.

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

/** A query operand: GraphQL text, or a query AST object printed back to text. */
function queryText(v: unknown, operand: number): string {
  if (isObject(v)) return printQueryDocument(v);
  return str(v, operand);
}

/** A schema operand: GraphQL SDL, or a schema AST object printed back to SDL. */
function schemaText(v: unknown, operand: number): string {
  if (isObject(v)) return printSchemaDocument(v);
  return str(v, operand);
}

export const graphql: BuiltinFamily = {
  "graphql.schema_is_valid": (s) => schemaOf(schemaText(s, 1)) !== undefined,
  "graphql.is_valid": (q, s) => isValid(queryText(q, 1), schemaText(s, 2)),
  "graphql.parse_query": (q) => parseQuery(str(q, 1)),
  "graphql.parse_schema": (s) => schemaDocumentJson(parseSchemaText(str(s, 1))),
  "graphql.parse": (q, s) => parseAndValidate(queryText(q, 1), schemaText(s, 2)),
  "graphql.parse_and_verify": (q, s) => {
    const query = queryText(q, 1);
    const schema = schemaText(s, 2);
    try {
      return [true, ...parseAndValidate(query, schema)];
    } catch (e) {
      if (e instanceof BuiltinError) return [false, {}, {}];
      throw e;
    }
  },
};
