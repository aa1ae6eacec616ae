/**
 * graphql.schema_is_valid and graphql.is_valid with the graphql package (string inputs).
 * The AST-returning builtins (parse, parse_query, parse_schema, parse_and_verify) need gqlparser's
 * JSON AST shape and are not provided; a policy using them is rejected at load.
 */
import {
  type DefinitionNode,
  type DocumentNode,
  GraphQLError,
  type GraphQLSchema,
  Kind,
  buildASTSchema,
  parse,
  validate,
  validateSchema,
} from "graphql";
import { str } from "./args.js";
import { fail } from "./errors.js";
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

function schemaOf(text: string): GraphQLSchema | undefined {
  if (text.length > MAX_TEXT) fail("GraphQL schema too large");
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
    return validate(schema, parse(query, { noLocation: true })).length === 0;
  } catch {
    return false;
  }
}

export const graphql: BuiltinFamily = {
  "graphql.schema_is_valid": (s) => schemaOf(str(s, 1)) !== undefined,
  "graphql.is_valid": (q, s) => isValid(str(q, 1), str(s, 2)),
};
