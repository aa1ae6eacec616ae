/** Token kinds produced by the lexer (src/rego/syntax/lexer.ts). */
export type TokenKind =
  | "ident"
  | "string" // value holds the decoded string
  | "rawstring" // backtick string, value verbatim
  | "template" // $"..." or $`...`: value holds the raw body between the quotes
  | "number" // value holds the source text
  | "punct" // value holds the operator text: { } [ ] ( ) . , ; : := = == != < <= > >= + - * / % | &
  | "eof";

export interface Token {
  kind: TokenKind;
  value: string;
  row: number;
  col: number;
  /** Offset of the token's first character in the source text. */
  offset: number;
  /** Offset just after the token. */
  end: number;
  /** A newline (or comment ending in one) separates this token from the previous one. */
  nl: boolean;
  /** Whitespace or a comment separates this token from the previous one. */
  ws: boolean;
  /** For template tokens: the raw-string flavour ($`...`). */
  raw?: boolean;
}

/** Words with a meaning in Rego v1 syntax; usable as names only after a dot in a ref. */
export const KEYWORDS: ReadonlySet<string> = new Set([
  "package",
  "import",
  "as",
  "default",
  "else",
  "not",
  "some",
  "with",
  "null",
  "true",
  "false",
  "if",
  "contains",
  "in",
  "every",
]);
