import { describe, expect, it } from "vitest";
import { RegoCompileError } from "../../src/rego/errors.js";
import { parseBody, parseModule, parseTerm, queryVars } from "../../src/rego/syntax/index.js";
import { body, rule, term } from "./render.js";

function mod(src: string) {
  return parseModule({ path: "p.rego", text: `package test\n\n${src}\n` });
}
function errOf(f: () => unknown): { message: string; row: number; col: number; code: string } {
  try {
    f();
  } catch (e) {
    if (!(e instanceof RegoCompileError)) throw e;
    const first = e.errors[0]!;
    return { message: first.message, row: first.location.row, col: first.location.col, code: first.code };
  }
  throw new Error("expected a compile error");
}

describe("parseTerm: literals and composites", () => {
  it.each([
    ["null", "null"],
    ["true", "true"],
    ["1e400", "1e400"],
    ["-1.5", "-1.5"],
    ['"a\\tb\\u00e9"', '"a\\tb\u00e9"'],
    ['"\\ud83d\\ude00"', '"\u{1f600}"'],
    ['"\\ud83d"', '"\ufffd"'],
    ["`raw\\n`", '"raw\\\\n"'],
    ["[]", "[]"],
    ["[1, 2,]", "[1, 2]"],
    ["{}", "{}"],
    ["set()", "set()"],
    ["{1, 2}", "{1, 2}"],
    ['{"a": 1, "b": [x]}', '{"a": 1, "b": [x]}'],
    ["x.y[z][0]", "x.y[z][0]"],
    ['data.a["b-c"]', 'data.a["b-c"]'],
    ["f(x)[0].y", "f(x)[0].y"],
    ["time.now_ns()", "time.now_ns()"],
    ["[x | x := xs[_]]", "[x | assign(x, xs[_])]"],
    ["{x | some x in xs}", "{x | some x in xs}"],
    ["{k: v | v := o[k]}", "{k: v | assign(v, o[k])}"],
    ["{x: y | p; q\n r}", "{x: y | p; q; r}"],
  ])("%s", (src, want) => {
    expect(term(parseTerm(src))).toBe(want);
  });
});

describe("parseTerm: operator precedence as OPA", () => {
  it.each([
    ["1 + 2 * 3", "plus(1, mul(2, 3))"],
    ["1 - 2 - 3", "minus(minus(1, 2), 3)"],
    ["a | b & c", "or(a, and(b, c))"],
    ["a + 1 == b * 2", "equal(plus(a, 1), mul(b, 2))"],
    ["a < b", "lt(a, b)"],
    ["x in xs == true", "internal.member_2(x, equal(xs, true))"],
    ["(1 + 2) * 3", "mul(plus(1, 2), 3)"],
    ["-x", "minus(0, x)"],
    ["- 1", "minus(0, 1)"],
    ["10 % 3 / 2", "div(rem(10, 3), 2)"],
    ["a != b", "neq(a, b)"],
    ["(k, v in o)", "internal.member_3(k, v, o)"],
    ["(0, 2 in [2]) in [true]", "internal.member_2(internal.member_3(0, 2, [2]), [true])"],
  ])("%s", (src, want) => {
    expect(term(parseTerm(src))).toBe(want);
  });
});

describe("parseBody: literals", () => {
  it.each([
    ["x := 1", "assign(x, 1)"],
    ["x = y; y = 1", "eq(x, y); eq(y, 1)"],
    ["x = y\ny = 1", "eq(x, y); eq(y, 1)"],
    ["x := 1 +\n 2", "assign(x, plus(1, 2))"],
    ["x := [1,\n 2]", "assign(x, [1, 2])"],
    ["not p", "not p"],
    ["not f(x)", "not f(x)"],
    ["count(x) > 1", "gt(count(x), 1)"],
    ["some x, y", "some x, y"],
    ["some x in xs", "some x in xs"],
    ["some k, v in xs", "some k, v in xs"],
    ["every x in xs { x > 1 }", "every x in xs { gt(x, 1) }"],
    ["every k, v in xs { k; v }", "every k, v in xs { k; v }"],
    ["p with input as {} with data.x as 1", "p with input as {} with data.x as 1"],
    ["p\n  with input as 1", "p with input as 1"],
    ["k, v in o", "internal.member_3(k, v, o)"],
    ["not { x = 1 }", "equal([true | eq(x, 1)], [])"],
    ["contains(a, b)", "contains(a, b)"],
    ["in.foo == 1", "equal(in.foo, 1)"],
    ['$"a {x} b"', 'internal.template_string(["a ", {$tmpl1 | eq($tmpl1, x)}, " b"])'],
  ])("%s", (src, want) => {
    expect(body(parseBody(src)).replace(/\$tmpl\d+/g, "$tmpl1")).toBe(want);
  });
});

describe("parseModule: rules", () => {
  it.each([
    ["p := 1", "p := 1 if { true }"],
    ["p = 1", "p = 1 if { true }"],
    ["p if { x }", "p = true if { x }"],
    ["p if x > 1", "p = true if { gt(x, 1) }"],
    ["p if {x: 1 | true}", "p = true if { {x: 1 | true} }"],
    ["default p := false", "default p := false if { true }"],
    ["default f(_) := 1", "default f(_) := 1 if { true }"],
    ["p contains x if { x := 1 }", "p contains x if { assign(x, 1) }"],
    ["p contains 1", "p contains 1 if { true }"],
    ["p[k] := v if { v := k }", "p[k] := v if { assign(v, k) }"],
    ["a.b[x].c := 1 if { x := 2 }", "a.b[x].c := 1 if { assign(x, 2) }"],
    ["a.b contains 1", "a.b contains 1 if { true }"],
    ["f(x) := y if { y := x }", "f(x) := y if { assign(y, x) }"],
    ["f(x, [y, z]) if true", "f(x, [y, z]) = true if { true }"],
    [
      "p := 1 if { false } else := 2 if { true } else := 3",
      "p := 1 if { false } else := 2 if { true } else := 3 if { true }",
    ],
    ["if.foo := 1", "if.foo := 1 if { true }"],
  ])("%s", (src, want) => {
    const m = mod(src);
    expect(m.rules).toHaveLength(1);
    expect(rule(m.rules[0]!)).toBe(want);
  });

  it("keeps package, imports and aliases", () => {
    const m = parseModule({
      path: "x.rego",
      text: 'package a.b["c-d"]\nimport rego.v1\nimport data.foo.bar as baz\nimport input.x\np := 1',
    });
    expect(m.package).toEqual(["a", "b", "c-d"]);
    expect(m.imports.map((i) => [term(i.path), i.alias])).toEqual([
      ["rego.v1", undefined],
      ["data.foo.bar", "baz"],
      ["input.x", undefined],
    ]);
    expect(m.packageLoc).toEqual({ file: "x.rego", row: 1, col: 1 });
  });

  it("records locations of rules and expressions", () => {
    const m = mod("p if {\n  x := 1\n  y := x\n}");
    const r = m.rules[0]!;
    expect(r.loc).toEqual({ file: "p.rego", row: 3, col: 1 });
    expect(r.body.map((e) => [e.loc.row, e.loc.col])).toEqual([
      [4, 3],
      [5, 3],
    ]);
  });

  it("gives else rules of functions the primary's arguments", () => {
    const r = mod("f(x) := 1 if { x } else := x").rules[0]!;
    expect(r.else?.head.args?.map(term)).toEqual(["x"]);
  });
});

describe("parse errors carry a location", () => {
  it.each([
    ["p { true }", 3, 3, "`if` keyword is required before rule body"],
    ["p if {\n}", 3, 6, "found empty body"],
    ["p := ", 4, 1, "unexpected eof token"],
    ["p := [1, 2", 4, 1, "unexpected eof token: expected ]"],
    ['p := "abc', 3, 6, "non-terminated string"],
    ['p := "\\q"', 3, 7, "illegal escape sequence \\q"],
    ["p := 1e", 3, 7, "illegal number format: missing exponent digits"],
    ["p := 1 ~ 2", 3, 8, "illegal token: unexpected character ~"],
    ["p", 4, 1, "unexpected eof token: expected := or = or if or contains after rule head"],
    ["p if { x := 1 y := 2 }", 3, 15, "unexpected ident token: expected \\n or ; or }"],
    ["default p := x", 3, 14, "default rule value cannot contain variables, references or calls"],
    ["p contains x if { x := 1 } else := 2", 3, 28, "else keyword cannot be used on multi-value rules"],
    ["f() := 1", 3, 1, "rule argument list must take at least one argument"],
    ["p := 1\nimport data.x", 4, 1, "import must come before rules"],
    ["p := `abc", 3, 6, "non-terminated raw string"],
    ['p := $"abc', 3, 6, "non-terminated template string"],
    ['p := $"{}"', 3, 8, "empty template expression"],
    ["p if { some 1 }", 3, 8, "expected var or `x in xs` after some"],
    ["p if { some x, 1 }", 3, 16, "expected var in some declaration"],
    ["p if { every 1 in x { true } }", 3, 14, "every: expected var"],
    ["p if { every x in y }", 3, 21, "unexpected } token: expected { to start the every body"],
    ["p if { x with input }", 3, 21, "unexpected } token: expected as"],
    ["p := 1 if { true } else { true }", 3, 25, "`if` keyword is required before rule body"],
    ["package b", 3, 1, "unexpected package keyword: one package per module"],
    ["p if { not not x }", 3, 12, "unexpected not keyword"],
    ['p := "a\nb"', 3, 6, "non-terminated string"],
    ["p if { x := y := 1 }", 3, 15, "unexpected := token: expected \\n or ; or }"],
    ["p := [1 2]", 3, 9, "unexpected number token: expected ]"],
    ["p := 01x", 3, 8, "illegal number format"],
    ["p := {1: }", 3, 10, "unexpected } token"],
  ])("%s", (src, row, col, message) => {
    const e = errOf(() => mod(src));
    expect(e).toEqual({ code: "rego_parse_error", message, row, col });
  });

  it("rejects a module without package", () => {
    expect(errOf(() => parseModule({ path: "m.rego", text: "p := 1" })).message).toBe(
      "unexpected ident token: expected package",
    );
  });

  it("rejects an import outside data, input, future and rego", () => {
    const e = errOf(() => parseModule({ path: "m.rego", text: "package a\nimport foo.bar" }));
    expect([e.row, e.col]).toEqual([2, 8]);
  });
});

describe("queryVars", () => {
  it.each([
    ["data.test.p = x", ["x"]],
    ["x = data.a[i]; y := count(x)", ["x", "i", "y"]],
    ['x = $"{true} {"foo"} {{"a": 1}}"', ["x"]],
    ["x = [y | y = input.z[_]]", ["x"]],
    ["some k, v in data.o; f(k, v)", ["k", "v"]],
    ["every z in input.xs { z > w }", []],
    ['p with input as {"a": q}', ["p", "q"]],
  ])("%s", (q, want) => {
    expect(queryVars(parseBody(q))).toEqual(want);
  });
});
