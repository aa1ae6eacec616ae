/** OPA's AST JSON of a parsed module (src/rego/ast/json.ts) and rego.parse_module. */
import { describe, expect, it } from "vitest";
import { rego } from "../../src/policy/builtins/rego.js";
import { BuiltinError } from "../../src/policy/builtins/errors.js";
import { moduleJson } from "../../src/rego/ast/json.js";
import { parseModule } from "../../src/rego/syntax/index.js";

const parse = rego["rego.parse_module"] as (f: unknown, t: unknown) => Record<string, unknown>;
const v = (value: string) => ({ type: "var", value });
const s = (value: string) => ({ type: "string", value });
const TRUE = { type: "boolean", value: true };

describe("moduleJson", () => {
  it("writes package, imports and rules as OPA does", () => {
    const m = parse("x.rego", "package foo.bar\nimport data.a as b\np if { b = true }\ndefault q := 1");
    expect(m).toEqual({
      package: { path: [v("data"), s("foo"), s("bar")] },
      imports: [{ path: { type: "ref", value: [v("data"), s("a")] }, alias: "b" }],
      rules: [
        {
          head: { name: "p", ref: [v("p")], value: TRUE },
          body: [{ index: 0, terms: [{ type: "ref", value: [v("eq")] }, v("b"), TRUE] }],
        },
        {
          default: true,
          head: { name: "q", ref: [v("q")], value: { type: "number", value: 1 }, assign: true },
          body: [{ index: 0, terms: TRUE, generated: true }],
        },
      ],
    });
  });

  it("writes functions, partial sets, ref heads, comprehensions, some/every and with", () => {
    const m = moduleJson(
      parseModule({
        path: "a.rego",
        text: [
          "package t",
          "f(x) := y if { y := x }",
          "s contains x if { some x in [1] }",
          'a.b[k] := 1 if { k := "k" }',
          "c := {k: v | some k, v in {1: 2}}",
          "e if { every z in [1] { z } }",
          "w if { not input.x with input as {} }",
          "g if { some q; q = 1 }",
        ].join("\n"),
      }),
    );
    const rules = m.rules as Record<string, unknown>[];
    const rule = (i: number): Record<string, unknown> => {
      const r = rules[i];
      if (!r) throw new Error(`no rule ${i}`);
      return r;
    };
    const firstExpr = (i: number) => (rule(i).body as Record<string, unknown>[])[0];
    expect(rule(0).head).toEqual({ name: "f", ref: [v("f")], args: [v("x")], value: v("y"), assign: true });
    expect(rule(1).head).toEqual({ name: "s", ref: [v("s")], key: v("x") });
    expect(rule(1).body).toEqual([
      {
        index: 0,
        terms: {
          symbols: [
            {
              type: "call",
              value: [
                { type: "ref", value: [v("internal"), s("member_2")] },
                v("x"),
                { type: "array", value: [{ type: "number", value: 1 }] },
              ],
            },
          ],
        },
      },
    ]);
    expect(rule(2).head).toMatchObject({ ref: [v("a"), s("b"), v("k")], assign: true });
    expect(rule(2).head).not.toHaveProperty("name");
    expect(rule(3).head).toMatchObject({ value: { type: "objectcomprehension" } });
    expect(firstExpr(4)).toMatchObject({
      terms: { value: v("z"), domain: { type: "array" }, body: [{ index: 0, terms: v("z") }] },
    });
    expect(firstExpr(5)).toMatchObject({
      negated: true,
      with: [{ target: v("input"), value: { type: "object", value: [] } }],
    });
    expect(firstExpr(6)).toEqual({ index: 0, terms: { symbols: [v("q")] } });
  });
});

describe("rego.parse_module", () => {
  it("refuses text that does not parse, and non-string operands", () => {
    expect(() => parse("x.rego", "package")).toThrow(BuiltinError);
    expect(() => parse("x.rego", "package a\np :=")).toThrow(/rego_parse_error/);
    expect(() => parse(1, "package a")).toThrow(BuiltinError);
  });
});
