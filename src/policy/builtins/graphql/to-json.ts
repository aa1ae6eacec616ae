/**
 * graphql-js documents to gqlparser's JSON AST shape (what OPA returns: positions and empty
 * lists left out).
 */
import {
  type ArgumentNode,
  type DirectiveDefinitionNode,
  type DirectiveNode,
  type DocumentNode,
  type FieldDefinitionNode,
  type InputValueDefinitionNode,
  Kind,
  type SchemaDefinitionNode,
  type SchemaExtensionNode,
  type SelectionNode,
  type TypeDefinitionNode,
  type TypeExtensionNode,
  type TypeNode,
  type ValueNode,
  type VariableDefinitionNode,
  isTypeDefinitionNode,
  isTypeExtensionNode,
} from "graphql";
import type { Json, JsonObject } from "../args.js";
import { fail } from "../errors.js";

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
