import { describe, expect, it } from "vitest";
import type { CheckedProgram } from "../../src/rego/ast/types.js";
import { checkModules } from "../../src/rego/check/index.js";
import { RegoCompileError } from "../../src/rego/errors.js";
import { parseModule } from "../../src/rego/syntax/index.js";
import { body, term } from "./render.js";

function check(...sources: string[]): CheckedProgram {
  return checkModules(sources.map((text, i) => parseModule({ path: `m${i}.rego`, text })));
}
/** Body of the first rule at path, with generated names normalised to L0, L1... in order of appearance. */
function bodyOf(p: CheckedProgram, path: string, which = 0): string {
  const r = p.rules.get(path)?.[which];
  if (!r) throw new Error(`no rule ${path}`);
  return normalise(
    `${body(r.body)} => ${r.head.value ? term(r.head.value) : ""}${r.head.key ? ` key ${term(r.head.key)}` : ""}`,
  );
}
function normalise(s: string): string {
  const map = new Map<string, string>();
  return s.replace(/__local\d+__|\$_\d+/g, (m) => {
    if (!map.has(m)) map.set(m, `${m.startsWith("$") ? "W" : "L"}${map.size}`);
    return map.get(m)!;
  });
}
function errorsOf(...sources: string[]): { code: string; message: string; at: string }[] {
  try {
    check(...sources);
  } catch (e) {
    if (!(e instanceof RegoCompileError)) throw e;
    return e.errors.map((x) => ({
      code: x.code,
      message: x.message,
      at: `${x.location.file}:${x.location.row}:${x.location.col}`,
    }));
  }
  throw new Error("expected compile errors");
}

describe("checkModules: resolution and renaming (guarantees 1, 2)", () => {
  it("resolves package rules, imports, input and data", () => {
    const p = check(
      "package a\nimport input.attributes as attrs\nimport data.lib\nallow if { attrs.x == lib.y; q }\nq := input.z",
    );
    expect(bodyOf(p, "a.allow")).toBe("equal(input.attributes.x, data.lib.y); data.a.q => true");
  });

  it("renames locals uniquely, wildcards too, and keeps closures", () => {
    const p = check("package a\np := y if { x := input.a[_]; y := [z | z := x[_]] }");
    expect(bodyOf(p, "a.p")).toBe("assign(L0, input.a[W1]); assign(L2, [L3 | assign(L3, L0[W4])]) => L2");
  });

  it("lets := shadow a rule name after the declaration only", () => {
    const p = check("package a\nq := 1\np := q if { q == 1; q := 2 }");
    expect(bodyOf(p, "a.p")).toBe("equal(data.a.q, 1); assign(L0, 2) => L0");
  });

  it("resolves user functions, import aliases of functions, and builtins", () => {
    const p = check(
      "package a\nimport data.lib\nf(x) := x\np := y if { y := f(lib.g(1)) + count([]) }",
      "package lib\ng(x) := x",
    );
    expect(bodyOf(p, "a.p")).toBe(
      "data.lib.g(1, L0); data.a.f(L0, L1); count([], L2); plus(L1, L2, L3); assign(L4, L3) => L4",
    );
    expect([...p.calledBuiltins].sort()).toEqual(["count", "data.a.f", "data.lib.g", "plus"]);
  });
});

describe("checkModules: scopes", () => {
  it.each([
    // a comprehension var that also appears in the enclosing body is a closure (bound outside)
    [
      "p if { ys := [x | x := xs[_]]; xs = input.a }",
      "eq(L0, input.a); assign(L1, [L2 | assign(L2, L0[W3])]) => true",
    ],
    // a name used only inside the comprehension is local to it
    ["p := [x | x := 1]", "true; eq(L0, [L1 | assign(L1, 1)]) => L0"],
    // `some` in a comprehension declares a new variable even when the outer body has one
    ["p if { x := 1; y := [x | some x in [2]] }", "assign(L0, 1); assign(L1, [L2 | some L2 in [2]]) => true"],
    // every's variables are local to it; other names refer to the enclosing body
    ["p if { every x in [1] { x > z }; z = 0 }", "eq(L0, 0); every L1 in [1] { gt(L1, L0) } => true"],
  ])("%s", (src, want) => {
    expect(bodyOf(check(`package a\n${src}`), "a.p")).toBe(want);
  });

  it("gives else rules of a function the primary's argument variables", () => {
    const p = check("package a\nf(x) := 1 if x > 0 else := x");
    const r = p.rules.get("a.f")![0]!;
    expect(term(r.head.args![0]!)).toBe(term(r.else!.head.value!));
  });

  it("makes every local and wildcard name unique across rules and modules", () => {
    const p = check("package a\np if { x := 1; _ = 2 }", "package b\np if { x := 1; _ = 2 }");
    const seen: string[] = [];
    for (const rs of p.rules.values()) for (const r of rs) seen.push(body(r.body));
    const names = seen.join(" ").match(/__local\d+__|\$_\d+/g) ?? [];
    expect(names).toHaveLength(4);
    expect(new Set(names).size).toBe(4);
  });
});

describe("checkModules: flattening and safety order (guarantees 3, 4)", () => {
  it.each([
    ["p if { x > 1; x = input.n }", "eq(L0, input.n); gt(L0, 1) => true"],
    ["p if { y = x; x = 1 }", "eq(L0, 1); eq(L1, L0) => true"],
    ["p if { count(input.xs) > 1 }", "count(input.xs, L0); gt(L0, 1) => true"],
    ["p if { not count(input.xs) > 1 }", "equal([true | count(input.xs, L0); gt(L0, 1)], []) => true"],
    ["p if { not input.x }", "not input.x => true"],
    ["p contains x if { some x in input.xs }", "some L0 in input.xs =>  key L0"],
    ["p[k] := v if { v := input.o[k] }", "assign(L0, input.o[L1]) => L0 key L1"],
    ["p := count(input.xs)", "true; count(input.xs, L0) => L0"],
    ["p := input.x", "true; eq(L0, input.x) => L0"],
    [
      "p if { every x in input.xs { x > y }; y = 1 }",
      "eq(L0, 1); every L1 in input.xs { gt(L1, L0) } => true",
    ],
    ["p if { [a, b] = [1, x]; x = 2 }", "eq(L0, 2); eq([L1, L2], [1, L0]) => true"],
    ["p if { print(input.x) }", "internal.print([{L0 | eq(L0, input.x)}]) => true"],
  ])("%s", (src, want) => {
    expect(bodyOf(check(`package a\n${src}`), "a.p")).toBe(want);
  });
});

describe("checkModules: with targets and values", () => {
  it.each([
    ["p if { q with input.x as 1 }", "data.a.q with input.x as 1 => true"],
    ["p if { q with data.a.r as 1 }", "data.a.q with data.a.r as 1 => true"],
    ["p if { q with r as 1 }", "data.a.q with data.a.r as 1 => true"],
    ["p if { q with attrs.y as 1 }", "data.a.q with input.attributes.y as 1 => true"],
    ["p if { q with count as f }", "data.a.q with count as data.a.f => true"],
    ["p if { q with time.now_ns as 7 }", "data.a.q with time.now_ns as 7 => true"],
    ["p if { q with f as count }", "data.a.q with data.a.f as count => true"],
  ])("%s", (src, want) => {
    const p = check(`package a\nimport input.attributes as attrs\nq := 1\nr := 2\nf(x) := 1\n${src}`);
    expect(bodyOf(p, "a.p")).toBe(want);
  });
});

describe("checkModules: rule kinds and grouping (guarantee 6)", () => {
  it("sets kind and path and attaches else chains", () => {
    const p = check(
      'package a.b\nc := 1\ns contains 1\no[k] := 1 if k := "x"\nf(x) := x\nr.q[k] contains 1 if k := 1\ne := 1 if false else := 2',
    );
    const kinds = Object.fromEntries(
      [...p.rules].map(([k, rs]) => [k, [rs[0]!.kind, rs[0]!.path?.join("/")]]),
    );
    expect(kinds).toEqual({
      "a.b.c": ["complete", "a/b/c"],
      "a.b.s": ["partialSet", "a/b/s"],
      "a.b.o": ["partialObject", "a/b/o"],
      "a.b.f": ["function", "a/b/f"],
      "a.b.r.q": ["multiValue", "a/b/r/q"],
      "a.b.e": ["complete", "a/b/e"],
    });
    expect(p.rules.get("a.b.e")![0]!.else?.kind).toBe("complete");
  });
});

describe("checkModules: errors with code, message and location", () => {
  it.each([
    ["p if { x > 1 }", "rego_unsafe_var_error", "var x is unsafe", "m0.rego:2:8"],
    ["p := x if { true }", "rego_unsafe_var_error", "var x is unsafe", "m0.rego:2:6"],
    ["p if { not input.a[x] }", "rego_unsafe_var_error", "var x is unsafe", "m0.rego:2:20"],
    ["p if { foo(1) }", "rego_type_error", "undefined function foo", "m0.rego:2:8"],
    [
      "p if { count(1, 2, 3) }",
      "rego_type_error",
      "count: arity mismatch: have 3 arguments, want 1",
      "m0.rego:2:8",
    ],
    [
      "p if { any([true]) }",
      "rego_type_error",
      "deprecated built-in function calls in expression: any",
      "m0.rego:2:8",
    ],
    ["p if { x := 1; x := 2 }", "rego_compile_error", "var x assigned above", "m0.rego:2:16"],
    ["p if { x = 1; x := 2 }", "rego_compile_error", "var x referenced above", "m0.rego:2:15"],
    [
      "p if { input := 1 }",
      "rego_compile_error",
      "variables must not shadow input (use a different variable name)",
      "m0.rego:2:8",
    ],
    ["p if { input.x := 1 }", "rego_compile_error", "cannot assign to ref", "m0.rego:2:8"],
    [
      "p := 1\np := 2 if false\np contains 3",
      "rego_type_error",
      "conflicting rules data.a.p found",
      "m0.rego:2:1",
    ],
    [
      "default p := 1\ndefault p := 2",
      "rego_type_error",
      "multiple default rules data.a.p found",
      "m0.rego:3:1",
    ],
    ["p if p", "rego_recursion_error", "rule data.a.p is recursive: data.a.p -> data.a.p", "m0.rego:2:1"],
    [
      "p if q\nq if p",
      "rego_recursion_error",
      "rule data.a.p is recursive: data.a.p -> data.a.q -> data.a.p",
      "m0.rego:2:1",
    ],
    [
      "f(x) := f(x)",
      "rego_recursion_error",
      "rule data.a.f is recursive: data.a.f -> data.a.f",
      "m0.rego:2:1",
    ],
    ["f(x) := 1\nf(x, y) := 2", "rego_type_error", "conflicting rules data.a.f found", "m0.rego:3:1"],
    [
      "p if { true with foo as 1 }",
      "rego_type_error",
      "with keyword target must reference existing input, data, or a function",
      "m0.rego:2:18",
    ],
    ["p := 1\np.q := 2", "rego_type_error", "rule data.a.p conflicts with [data.a.p.q]", "m0.rego:2:1"],
  ])("%s", (src, code, message, at) => {
    expect(errorsOf(`package a\n${src}`)).toContainEqual({ code, message, at });
  });

  it.each([
    [
      "import future.keywords.in as k",
      "rego_parse_error",
      "future keyword imports cannot be aliased",
      "m0.rego:2:1",
    ],
    ["import rego.v2", "rego_parse_error", "invalid import, must be rego.v1", "m0.rego:2:1"],
    [
      "import data.x\nimport data.y as x",
      "rego_compile_error",
      "import must not shadow import x",
      "m0.rego:3:1",
    ],
  ])("import %s", (src, code, message, at) => {
    expect(errorsOf(`package a\n${src}\np := 1`)).toContainEqual({ code, message, at });
  });

  it("reports a rule that is also a package", () => {
    expect(errorsOf("package a\nb := 1", "package a.b.c\nd := 1")).toContainEqual({
      code: "rego_type_error",
      message: "package a.b.c conflicts with rule data.a.b",
      at: "m0.rego:2:1",
    });
  });

  it("reports an undefined function once, without follow-on unsafe-variable noise", () => {
    expect(errorsOf("package a\np := set(1)")).toEqual([
      { code: "rego_type_error", message: "undefined function set", at: "m0.rego:2:6" },
    ]);
  });

  it("reports an unsafe body variable without repeating it for the head", () => {
    expect(errorsOf("package a\np := x if { x == y }")).toEqual([
      { code: "rego_unsafe_var_error", message: "var x is unsafe", at: "m0.rego:2:13" },
      { code: "rego_unsafe_var_error", message: "var y is unsafe", at: "m0.rego:2:18" },
    ]);
  });

  it("reports several errors at once, sorted by location", () => {
    const errs = errorsOf("package a\np if { x > 1 }\nq if { nope(1) }");
    expect(errs.map((e) => e.at)).toEqual(["m0.rego:2:8", "m0.rego:3:8"]);
  });
});
