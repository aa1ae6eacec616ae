import { describe, expect, it } from "vitest";
import { BuiltinError } from "../../src/policy/builtins/errors.js";
import { graphql } from "../../src/policy/builtins/graphql.js";
import { hostBuiltins } from "../../src/policy/builtins/index.js";

const call = (name: string, ...args: unknown[]) => {
  const f = graphql[name];
  if (!f) throw new Error(`no ${name}`);
  return f(...args);
};

const SCHEMA = `
  "A library"
  type Query { book(isbn: ID!, tags: [String!]): Book }
  type Book implements Item @key(fields: "isbn") { isbn: ID! title: String }
  interface Item { isbn: ID! }
  enum Shelf { LEFT RIGHT }
  input Filter { shelf: Shelf = LEFT }
  union Thing = Book
  directive @key(fields: String!) repeatable on OBJECT
`;

describe("graphql.parse_query", () => {
  it("converts operations, aliases, arguments of every value kind and variables", () => {
    const ast = call(
      "graphql.parse_query",
      `query Q($id: ID! = "x", $l: [Int!]!) @top { b: book(isbn: $id, n: 3, f: 1.5, s: "s", t: true, z: null, e: LEFT, l: [1], o: {k: """blk"""}) { title ...F ... on Book @skip(if: false) { isbn } } }
       fragment F on Book { isbn }`,
    ) as Record<string, unknown>;
    const op = (ast.Operations as Record<string, unknown>[])[0] as Record<string, unknown>;
    expect(op.Name).toBe("Q");
    expect(op.Operation).toBe("query");
    expect(op.Directives).toEqual([{ Location: "", Name: "top" }]);
    expect(op.VariableDefinitions).toEqual([
      {
        DefaultValue: { ExpectedTypeHasDefault: false, Kind: 3, Raw: "x" },
        Type: { NamedType: "ID", NonNull: true },
        Used: false,
        Variable: "id",
      },
      {
        Type: { Elem: { NamedType: "Int", NonNull: true }, NamedType: "", NonNull: true },
        Used: false,
        Variable: "l",
      },
    ]);
    const field = (op.SelectionSet as Record<string, unknown>[])[0] as Record<string, unknown>;
    expect(field.Alias).toBe("b");
    expect(field.Name).toBe("book");
    const kinds = (field.Arguments as { Name: string; Value: { Kind: number; Raw: string } }[]).map((a) => [
      a.Name,
      a.Value.Kind,
      a.Value.Raw,
    ]);
    expect(kinds).toEqual([
      ["isbn", 0, "id"],
      ["n", 1, "3"],
      ["f", 2, "1.5"],
      ["s", 3, "s"],
      ["t", 5, "true"],
      ["z", 6, "null"],
      ["e", 7, "LEFT"],
      ["l", 8, ""],
      ["o", 9, ""],
    ]);
    const obj = (field.Arguments as { Value: { Children?: unknown } }[])[8]?.Value.Children;
    expect(obj).toEqual([{ Name: "k", Value: { ExpectedTypeHasDefault: false, Kind: 4, Raw: "blk" } }]);
    expect(field.SelectionSet).toEqual([
      { Alias: "title", Name: "title" },
      { Name: "F" },
      {
        Directives: [
          {
            Arguments: [{ Name: "if", Value: { ExpectedTypeHasDefault: false, Kind: 5, Raw: "false" } }],
            Location: "",
            Name: "skip",
          },
        ],
        SelectionSet: [{ Alias: "isbn", Name: "isbn" }],
        TypeCondition: "Book",
      },
    ]);
    expect(ast.Fragments).toEqual([
      { Name: "F", SelectionSet: [{ Alias: "isbn", Name: "isbn" }], TypeCondition: "Book" },
    ]);
  });

  it("rejects a syntax error with a builtin error, and treats a blank query as empty", () => {
    expect(() => call("graphql.parse_query", "{ book(")).toThrow(BuiltinError);
    expect(call("graphql.parse_query", "  # only a comment\n")).toEqual({});
  });

  it("type-checks its operand", () => {
    expect(() => call("graphql.parse_query", 3)).toThrow(/operand 1 must be string/);
  });
});

describe("graphql.parse_schema", () => {
  it("converts definitions, extensions, schema and directive definitions", () => {
    const ast = call(
      "graphql.parse_schema",
      `${SCHEMA} extend type Book { year: Int } schema { query: Query }`,
    ) as Record<string, unknown>;
    const defs = ast.Definitions as Record<string, unknown>[];
    expect(defs.map((d) => [d.Kind, d.Name])).toEqual([
      ["OBJECT", "Query"],
      ["OBJECT", "Book"],
      ["INTERFACE", "Item"],
      ["ENUM", "Shelf"],
      ["INPUT_OBJECT", "Filter"],
      ["UNION", "Thing"],
    ]);
    expect(defs[0]?.Description).toBe("A library");
    expect(defs[1]?.Interfaces).toEqual(["Item"]);
    expect(defs[5]?.Types).toEqual(["Book"]);
    const inputFields = (defs[4]?.Fields ?? []) as Record<string, unknown>[];
    expect(inputFields[0]?.DefaultValue).toEqual({
      ExpectedTypeHasDefault: false,
      Kind: 7,
      Raw: "LEFT",
    });
    expect((ast.Extensions as Record<string, unknown>[])[0]?.Name).toBe("Book");
    expect(ast.Schema).toEqual([
      { Description: "", OperationTypes: [{ Operation: "query", Type: "Query" }] },
    ]);
    expect((ast.Directives as Record<string, unknown>[])[0]).toMatchObject({
      IsRepeatable: true,
      Locations: ["OBJECT"],
      Name: "key",
    });
  });
});

describe("graphql.parse / parse_and_verify / is_valid", () => {
  const good = `{ book(isbn: "1") { title } }`;
  const bad = `{ book { title } }`;

  it("parse returns both ASTs for a valid query and fails on a validation error", () => {
    const [q, s] = call("graphql.parse", good, SCHEMA) as [Record<string, unknown>, Record<string, unknown>];
    expect((q.Operations as unknown[]).length).toBe(1);
    expect((s.Definitions as unknown[]).length).toBe(6);
    expect(() => call("graphql.parse", bad, SCHEMA)).toThrow(/isbn/);
  });

  it("parse_and_verify reports false with empty objects instead of failing", () => {
    expect((call("graphql.parse_and_verify", good, SCHEMA) as unknown[])[0]).toBe(true);
    expect(call("graphql.parse_and_verify", bad, SCHEMA)).toEqual([false, {}, {}]);
  });

  it("accepts AST objects by printing them back to GraphQL text", () => {
    const q = call("graphql.parse_query", good);
    const s = call("graphql.parse_schema", SCHEMA);
    expect(call("graphql.is_valid", q, s)).toBe(true);
    expect(call("graphql.is_valid", call("graphql.parse_query", bad), s)).toBe(false);
    expect(call("graphql.schema_is_valid", s)).toBe(true);
  });

  it("refuses AST objects whose names would inject text", () => {
    const evil = {
      Operations: [{ Name: "", Operation: "query", SelectionSet: [{ Alias: "a", Name: "a } b {" }] }],
    };
    expect(() => call("graphql.is_valid", evil, SCHEMA)).toThrow(BuiltinError);
    const evilSchema = { Definitions: [{ Kind: "OBJECT", Name: "Query { x: Int }", Fields: [] }] };
    expect(() => call("graphql.schema_is_valid", evilSchema)).toThrow(BuiltinError);
  });

  it("an empty query is valid; a non-empty query against a schema without Query root is an error", () => {
    expect(call("graphql.is_valid", "", "type T { a: Int }")).toBe(true);
    expect(call("graphql.is_valid", "{ a }", "type T { a: Int }")).toBe(false);
  });

  it("strict mode surfaces failures as eval_builtin_error; non-strict as undefined", () => {
    const strict = hostBuiltins({ strict: true })["graphql.parse"];
    const lax = hostBuiltins({ strict: false })["graphql.parse"];
    expect(() => strict?.(bad, SCHEMA)).toThrow(expect.objectContaining({ code: "eval_builtin_error" }));
    expect(lax?.(bad, SCHEMA)).toBeUndefined();
  });
});
