/**
 * GraphQL schemas built from SDL text (cached by text, gqlparser's leniencies applied) and
 * validation of query documents against them.
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
import { fail } from "../errors.js";
import { MAX_TEXT } from "./text.js";

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

export function schemaOf(text: string): GraphQLSchema | undefined {
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

/**
 * Query validation. An empty document has nothing to check (gqlparser accepts it). graphql-js
 * refuses to validate against a schema without a query root type, which gqlparser allows: such a
 * query is reported as a precise failure rather than accepted.
 */
export function validationErrors(schema: GraphQLSchema, doc: DocumentNode): readonly GraphQLError[] {
  if (doc.definitions.length === 0) return [];
  if (!schema.getQueryType()) fail("GraphQL schema has no query root type to validate against");
  return validate(schema, doc);
}
