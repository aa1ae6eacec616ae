/**
 * GraphQL text to graphql-js documents: size bound, blank documents, parse errors as builtin
 * errors.
 */
import { type DocumentNode, GraphQLError, Kind, Lexer, Source, TokenKind, parse } from "graphql";
import { fail } from "../errors.js";

export const MAX_TEXT = 1 << 20;

/** True when the text holds no GraphQL token (gqlparser accepts such a document as empty). */
function isBlank(text: string): boolean {
  try {
    return new Lexer(new Source(text)).advance().kind === TokenKind.EOF;
  } catch {
    return false;
  }
}

export function parseQueryText(query: string): DocumentNode {
  if (query.length > MAX_TEXT) fail("GraphQL query too large");
  if (isBlank(query)) return { kind: Kind.DOCUMENT, definitions: [] };
  try {
    return parse(query, { noLocation: false, allowLegacyFragmentVariables: true });
  } catch (e) {
    if (e instanceof GraphQLError) fail(`${e.message} in GraphQL string`);
    throw e;
  }
}

export function parseSchemaText(text: string): DocumentNode {
  if (text.length > MAX_TEXT) fail("GraphQL schema too large");
  if (isBlank(text)) return { kind: Kind.DOCUMENT, definitions: [] };
  try {
    return parse(text, { noLocation: true });
  } catch (e) {
    if (e instanceof GraphQLError) fail(`${e.message} in GraphQL schema`);
    throw e;
  }
}
