/**
 * GraphQL builtins with the graphql package. parse_query, parse_schema, parse and
 * parse_and_verify return ASTs in gqlparser's JSON shape (what OPA returns), converted from
 * graphql-js's AST (graphql/to-json.ts). Every builtin also takes such AST objects as operands:
 * they are printed back to GraphQL text (graphql/print.ts) and then parsed like a string operand
 * (graphql/text.ts); schemas are built and queries validated by graphql/schema.ts.
 */
import { GraphQLError } from "graphql";
import { type JsonObject, isObject, str } from "./args.js";
import { BuiltinError, fail } from "./errors.js";
import { printQueryDocument, printSchemaDocument } from "./graphql/print.js";
import { schemaOf, validationErrors } from "./graphql/schema.js";
import { MAX_TEXT, parseQueryText, parseSchemaText } from "./graphql/text.js";
import { queryDocumentJson, schemaDocumentJson } from "./graphql/to-json.js";
import type { BuiltinFamily } from "./registry.js";

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
  "graphql.parse_query": (q) => queryDocumentJson(parseQueryText(str(q, 1))),
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
