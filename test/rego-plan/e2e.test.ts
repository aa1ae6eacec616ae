import { describe, expect, it } from "vitest";
import type { Expr, Term } from "../../src/rego/ast/types.js";
import {
  arr,
  assign,
  bool,
  call,
  callExpr,
  eq,
  expr,
  LOC,
  module,
  not,
  num,
  program,
  ref,
  rule,
  str,
  v,
} from "./ast.js";
import { evalValue } from "./helpers.js";

const gt = (a: ReturnType<typeof num>, b: ReturnType<typeof num>) => expr(call("gt", a, b));

describe("planner end to end (hand-built ASTs -> IR -> Wasm -> opa-wasm)", () => {
  it("complete rule: value, undefined, conflict", async () => {
    const p = program("t", [rule("p", { value: v("x") }, [assign(v("x"), ref("input.a"))])]);
    expect(await evalValue(p, "t/p", { a: 3 })).toBe(3);
    expect(await evalValue(p, "t/p", {})).toBeUndefined();
    const conflict = program("t", [rule("p", { value: v("x") }, [eq(v("x"), ref("input.xs", v("i")))])]);
    expect(await evalValue(conflict, "t/p", { xs: [1, 1] })).toBe(1);
    await expect(evalValue(conflict, "t/p", { xs: [1, 2] })).rejects.toThrow();
  });

  it("default rule and else chain", async () => {
    const p = program("t", [
      rule("p", { value: num(1) }, [gt(ref("input.n"), num(10))], {
        else: rule("p", { value: num(2) }, [gt(ref("input.n"), num(5))], {
          else: rule("p", { value: num(3) }, []),
        }),
      }),
      rule("q", { value: bool(true) }, [eq(ref("input.n"), num(0))]),
      rule("q", { value: bool(false) }, [], { default: true }),
    ]);
    expect(await evalValue(p, "t/p", { n: 11 })).toBe(1);
    expect(await evalValue(p, "t/p", { n: 6 })).toBe(2);
    expect(await evalValue(p, "t/p", { n: 1 })).toBe(3);
    expect(await evalValue(p, "t/q", { n: 0 })).toBe(true);
    expect(await evalValue(p, "t/q", { n: 1 })).toBe(false);
  });

  it("partial set and partial object (conflicting keys are an error)", async () => {
    const p = program("t", [
      rule("s", { key: v("x"), contains: true }, [eq(v("x"), ref("input.xs", v("$_1")))]),
      // The parser keeps the key both in the ref and as head.key.
      rule([v("o"), v("k")], { key: v("k"), value: v("val") }, [eq(v("val"), ref("input.kv", v("k")))]),
    ]);
    expect(await evalValue(p, "t/s", { xs: [3, 1, 3] })).toEqual([1, 3]);
    expect(await evalValue(p, "t/o", { kv: { a: 1, b: 2 } })).toEqual({ a: 1, b: 2 });
    const conflict = program("t", [
      rule([v("o"), str("a")], { value: num(1) }),
      rule([v("o"), v("k")], { value: num(2) }, [eq(v("k"), str("a"))]),
    ]);
    await expect(evalValue(conflict, "t/o", {})).rejects.toThrow();
  });

  it("ref heads with variables build nested objects", async () => {
    const p = program("t", [
      rule([v("a"), str("b"), v("x"), str("c")], { value: v("y") }, [eq(v("y"), ref("input.m", v("x")))]),
      rule([v("a"), str("d")], { value: num(5) }),
    ]);
    expect(await evalValue(p, "t/a", { m: { k1: 1, k2: 2 } })).toEqual({
      b: { k1: { c: 1 }, k2: { c: 2 } },
      d: 5,
    });
    expect(await evalValue(p, "t/a/b/k2", { m: { k1: 1, k2: 2 } })).toEqual({ c: 2 });
    // a static rule whose value is not an object where a ref-head rule needs one: conflict
    const conflict = program("t", [
      rule([v("a"), v("x"), str("r"), str("s")], { value: num(1) }, [eq(v("x"), str("k"))]),
      rule([v("a"), str("k"), str("r")], { value: num(42) }),
    ]);
    await expect(evalValue(conflict, "t/a", {})).rejects.toThrow();
    // an empty package is an empty object
    const empty = program("t", [rule("p", { value: ref("data.e") }, [])], [module("e", [])]);
    expect(await evalValue(empty, "t/p", {})).toEqual({});
  });

  it("functions: several definitions, conflicting outputs are an error", async () => {
    const f = (arg: ReturnType<typeof num>, out: ReturnType<typeof num>) =>
      rule("f", { args: [arg], value: out });
    const p = program("t", [
      f(num(1), str("one")),
      rule("f", { args: [v("x")], value: str("other") }, [expr(call("neq", v("x"), num(1)))]),
      rule("p", { value: arr(v("a"), v("b")) }, [
        callExpr("data.t.f", num(1), v("a")),
        callExpr("data.t.f", num(2), v("b")),
      ]),
    ]);
    expect(await evalValue(p, "t/p", {})).toEqual(["one", "other"]);
    const conflict = program("t", [
      rule("f", { args: [v("x")], value: num(1) }),
      rule("f", { args: [v("y")], value: num(2) }),
      rule("p", { value: v("r") }, [callExpr("data.t.f", num(0), v("r"))]),
    ]);
    await expect(evalValue(conflict, "t/p", {})).rejects.toThrow();
  });

  it("destructuring, negation and comprehensions", async () => {
    const p = program("t", [
      rule("p", { value: v("b") }, [eq(arr(v("a"), v("b")), ref("input.pair")), not(eq(v("a"), num(0)))]),
      rule("c", {
        value: { type: "setcomp", term: v("x"), body: [eq(v("x"), ref("input.xs", v("$_2")))], loc: LOC },
      }),
      rule("o", {
        value: {
          type: "objectcomp",
          key: v("k"),
          value: arr(v("k")),
          body: [eq(v("k"), ref("input.xs", v("$_3")))],
          loc: LOC,
        },
      }),
    ]);
    expect(await evalValue(p, "t/p", { pair: [1, 2] })).toBe(2);
    expect(await evalValue(p, "t/p", { pair: [0, 2] })).toBeUndefined();
    // not over an iteration: true only when no element matches
    const none = program("t", [rule("none", {}, [not(eq(ref("input.xs", v("$_9")), num(1)))])]);
    expect(await evalValue(none, "t/none", { xs: [2, 3] })).toBe(true);
    expect(await evalValue(none, "t/none", { xs: [2, 1] })).toBeUndefined();
    expect(await evalValue(p, "t/c", { xs: ["b", "a", "b"] })).toEqual(["a", "b"]);
    expect(await evalValue(p, "t/o", { xs: ["b", "a"] })).toEqual({ a: ["a"], b: ["b"] });
  });

  it("relations (walk) yield one solution per output", async () => {
    const comp: Term = {
      type: "arraycomp",
      term: v("x"),
      body: [callExpr("walk", ref("input.v"), arr(v("$_w"), v("x")))],
      loc: LOC,
    };
    const p = program("t", [rule("p", { value: comp })]);
    expect(await evalValue(p, "t/p", { v: [1, 2] })).toEqual([[1, 2], 1, 2]);
  });

  it("some ... in and every", async () => {
    const everyPos: Expr = {
      kind: { type: "every", value: v("x"), domain: ref("input.xs"), body: [gt(v("x"), num(0))] },
      negated: false,
      with: [],
      loc: LOC,
    };
    const someIn: Expr = {
      kind: { type: "somein", key: v("i"), value: v("x"), domain: ref("input.xs") },
      negated: false,
      with: [],
      loc: LOC,
    };
    const p = program("t", [
      rule("all", { value: bool(true) }, [everyPos]),
      rule("idx", { key: v("i"), contains: true }, [someIn, gt(v("x"), num(1))]),
    ]);
    expect(await evalValue(p, "t/all", { xs: [1, 2] })).toBe(true);
    expect(await evalValue(p, "t/all", { xs: [1, 0] })).toBeUndefined();
    expect(await evalValue(p, "t/all", { xs: [] })).toBe(true);
    expect(await evalValue(p, "t/idx", { xs: [5, 1, 7] })).toEqual([0, 2]);
    expect(await evalValue(p, "t/all", { xs: 42 })).toBeUndefined();
    expect(await evalValue(p, "t/all", {})).toBeUndefined();
  });

  it("with on input, data and builtins", async () => {
    const withInput: Expr = {
      ...expr(ref("data.t.q")),
      with: [{ target: ref("input.a"), value: num(1), loc: LOC }],
    };
    const withData: Expr = {
      ...eq(v("y"), ref("data.t.r")),
      with: [{ target: ref("data.t.r"), value: num(9), loc: LOC }],
    };
    const withCount: Expr = {
      ...callExpr("count", arr(num(1)), v("n")),
      with: [{ target: ref("count"), value: num(42), loc: LOC }],
    };
    const p = program("t", [
      rule("q", { value: bool(true) }, [eq(ref("input.a"), num(1))]),
      rule("r", { value: num(2) }),
      rule("p1", { value: bool(true) }, [withInput]),
      rule("p2", { value: v("y") }, [withData]),
      rule("p3", { value: v("n") }, [withCount]),
    ]);
    expect(await evalValue(p, "t/p1", { a: 2 })).toBe(true);
    expect(await evalValue(p, "t/p1", undefined)).toBe(true);
    expect(await evalValue(p, "t/q", { a: 2 })).toBeUndefined();
    expect(await evalValue(p, "t/p2", {})).toBe(9);
    expect(await evalValue(p, "t/p3", {})).toBe(42);
  });

  it("a function replaced by a run-time value reaches the rules it calls", async () => {
    const mocked: Expr = {
      ...eq(v("y"), ref("data.t.q")),
      with: [{ target: ref("count"), value: v("m"), loc: LOC }],
    };
    const p = program("t", [
      rule("q", { value: v("n") }, [callExpr("count", arr(num(1)), v("n"))]),
      rule("p", { value: v("y") }, [assign(v("m"), ref("input.m")), mocked]),
    ]);
    expect(await evalValue(p, "t/p", { m: "mocked" })).toBe("mocked");
    expect(await evalValue(p, "t/q", { m: "mocked" })).toBe(1);
  });

  it("packages merge rules with base data; base documents are visible", async () => {
    const p = program(
      "t",
      [rule("p", { value: num(1) }), rule("b", { value: v("x") }, [eq(v("x"), ref("data.cfg.limit"))])],
      [module("t.sub", [rule("q", { value: num(2) })])],
    );
    const data = { t: { base: "yes" }, cfg: { limit: 10 } };
    expect(await evalValue(p, "t", {}, data)).toEqual({ p: 1, b: 10, base: "yes", sub: { q: 2 } });
    expect(await evalValue(p, "t/b", {}, data)).toBe(10);
  });

  it("data[k] with a run-time key only evaluates the matching package", async () => {
    // Building all of data here would recurse into t.p itself.
    const p = program(
      "t",
      [
        rule("p", { value: v("y") }, [
          assign(v("k"), ref("input.pkg")),
          eq(v("y"), ref("data", v("k"), str("v"))),
        ]),
      ],
      [module("other", [rule("v", { value: str("from rule") })])],
    );
    expect(await evalValue(p, "t/p", { pkg: "other" })).toBe("from rule");
    expect(await evalValue(p, "t/p", { pkg: "base" }, { base: { v: "from data" } })).toBe("from data");
    expect(await evalValue(p, "t/p", { pkg: "none" })).toBeUndefined();
  });
});
