import { describe, expect, it } from "vitest";
import type { Stmt } from "../../src/rego/ir/types.js";
import { B, L, PolicyBuilder, load } from "./helpers.js";

/** A plan that runs `stmts` and adds local `result` to the result set. */
function single(p: PolicyBuilder, stmts: Stmt[], result: number, name = "test/p") {
  p.plan(name, [...stmts, { type: "ResultSetAdd", value: result }]);
  return p;
}

describe("values and JSON", () => {
  it("round-trips input values through parse and dump", async () => {
    const p = single(new PolicyBuilder(), [{ type: "AssignVar", source: L(0), target: 2 }], 2);
    const policy = await load(p.build());
    const input = {
      a: [1, -2, 3.5, 1e-7, 0, true, false, null, "x"],
      s: 'héllo \u2028 "quoted" \\ \n\t\u0001 😀',
      nested: { z: 1, a: { b: [] }, m: {} },
    };
    expect(policy.evaluate(input)).toEqual([{ result: input }]);
    expect(policy.evaluate("just a string")).toEqual([{ result: "just a string" }]);
    expect(policy.evaluate(12)).toEqual([{ result: 12 }]);
  });

  it("dumps object keys sorted and sets as sorted arrays", async () => {
    const p = new PolicyBuilder();
    const stmts: Stmt[] = [
      { type: "MakeObject", target: 2 },
      { type: "ObjectInsert", key: p.s("zeta"), value: B(true), object: 2 },
      { type: "ObjectInsert", key: p.s("alpha"), value: B(false), object: 2 },
      { type: "ObjectInsert", key: p.s("Mid"), value: p.s("x"), object: 2 },
      { type: "MakeSet", target: 3 },
      { type: "SetAdd", value: p.s("b"), set: 3 },
      { type: "SetAdd", value: p.s("a"), set: 3 },
      { type: "SetAdd", value: p.s("b"), set: 3 },
      { type: "MakeNumberInt", value: 10n, target: 4 },
      { type: "SetAdd", value: L(4), set: 3 },
      { type: "MakeNull", target: 5 },
      { type: "SetAdd", value: L(5), set: 3 },
      { type: "SetAdd", value: B(true), set: 3 },
      { type: "ObjectInsert", key: p.s("set"), value: L(3), object: 2 },
    ];
    single(p, stmts, 2);
    const policy = await load(p.build());
    const rs = policy.evaluate({});
    expect(JSON.stringify(rs)).toBe(
      '[{"result":{"Mid":"x","alpha":false,"set":[null,true,10,"a","b"],"zeta":true}}]',
    );
  });

  it("keeps number text exact: 1e400, 12345678901234567890, 0.1", async () => {
    const p = new PolicyBuilder();
    const stmts: Stmt[] = [
      { type: "MakeArray", capacity: 3, target: 2 },
      { type: "MakeNumberRef", index: p.sIndex("1e400"), target: 3 },
      { type: "ArrayAppend", value: L(3), array: 2 },
      { type: "MakeNumberRef", index: p.sIndex("12345678901234567890"), target: 4 },
      { type: "ArrayAppend", value: L(4), array: 2 },
      { type: "MakeNumberRef", index: p.sIndex("0.1"), target: 5 },
      { type: "ArrayAppend", value: L(5), array: 2 },
      { type: "MakeNumberInt", value: -9223372036854775808n, target: 6 },
      { type: "ArrayAppend", value: L(6), array: 2 },
      { type: "Call", func: "json.marshal", args: [L(2)], result: 7 },
    ];
    single(p, stmts, 7);
    const policy = await load(p.build());
    // (the SDK JSON.parses results, so the exact text is checked through json.marshal)
    expect(policy.evaluate({})).toEqual([
      { result: "[1e400,12345678901234567890,0.1,-9223372036854775808]" },
    ]);
  });

  it("compares numbers across representations (1 == 1.0, big integers exactly)", async () => {
    const p = new PolicyBuilder();
    const stmts: Stmt[] = [
      { type: "MakeNumberInt", value: 1n, target: 2 },
      { type: "MakeNumberRef", index: p.sIndex("1.0"), target: 3 },
      { type: "Equal", a: L(2), b: L(3) },
      { type: "MakeNumberRef", index: p.sIndex("12345678901234567890"), target: 4 },
      { type: "MakeNumberRef", index: p.sIndex("12345678901234567891"), target: 5 },
      { type: "NotEqual", a: L(4), b: L(5) },
      { type: "Dot", source: L(0), key: p.s("big"), target: 6 },
      { type: "Equal", a: L(4), b: L(6) },
      { type: "AssignVar", source: B(true), target: 7 },
    ];
    single(p, stmts, 7);
    const policy = await load(p.build());
    expect(policy.evaluate(new TextEncoder().encode('{"big": 12345678901234567890}').buffer)).toEqual([
      { result: true },
    ]);
    expect(policy.evaluate(new TextEncoder().encode('{"big": 12345678901234567891}').buffer)).toEqual([]);
  });
});

describe("control flow", () => {
  it("scans data.acl and builds a partial set with SetAdd", async () => {
    // p contains name if { some name, entry in data.acl; entry.allow == true }
    const p = new PolicyBuilder();
    p.func(
      "g0.data.test.p",
      [0, 1],
      2,
      [
        { type: "MakeSet", target: 2 },
        { type: "Dot", source: L(1), key: p.s("acl"), target: 3 },
        {
          type: "Scan",
          source: 3,
          key: 4,
          value: 5,
          block: {
            stmts: [
              { type: "Dot", source: L(5), key: p.s("allow"), target: 6 },
              { type: "Equal", a: L(6), b: B(true) },
              { type: "SetAdd", value: L(4), set: 2 },
            ],
          },
        },
      ],
      [{ type: "ReturnLocal", source: 2 }],
    );
    p.plan("test/p", [
      { type: "Call", func: "g0.data.test.p", args: [L(0), L(1)], result: 2 },
      { type: "ResultSetAdd", value: 2 },
    ]);
    const policy = await load(p.build());
    policy.setData({ acl: { zed: { allow: true }, amy: { allow: true }, bob: { allow: false }, cat: 3 } });
    expect(policy.evaluate({})).toEqual([{ result: ["amy", "zed"] }]);
    // classic (pre-1.2) path
    (policy as unknown as { minorVersion: number }).minorVersion = 1;
    expect(policy.evaluate({})).toEqual([{ result: ["amy", "zed"] }]);
  });

  it("indexes 100,000-entry objects (hash lookups) and finds every key", async () => {
    const p = new PolicyBuilder();
    single(
      p,
      [
        { type: "Dot", source: L(1), key: p.s("acl"), target: 2 },
        { type: "Dot", source: L(0), key: p.s("k"), target: 3 },
        { type: "Dot", source: L(2), key: L(3), target: 4 },
      ],
      4,
    );
    const policy = await load(p.build());
    const acl: Record<string, number> = {};
    for (let i = 0; i < 100_000; i++) acl[`user-${i}`] = i;
    policy.setData({ acl });
    for (const i of [0, 1, 4242, 99_999])
      expect(policy.evaluate({ k: `user-${i}` })).toEqual([{ result: i }]);
    expect(policy.evaluate({ k: "nobody" })).toEqual([]);
  });

  it("Not succeeds iff its block fails; Break leaves enclosing blocks", async () => {
    const p = new PolicyBuilder();
    p.plan("test/p", [
      { type: "Dot", source: L(0), key: p.s("x"), target: 2 },
      {
        type: "Not",
        block: { stmts: [{ type: "Equal", a: L(2), b: p.s("deny") }] },
      },
      {
        type: "Block",
        blocks: [
          {
            stmts: [
              { type: "AssignVar", source: p.s("first"), target: 3 },
              { type: "Break", index: 1 },
            ],
          },
        ],
      },
      { type: "AssignVar", source: p.s("not reached"), target: 3 },
      { type: "ResultSetAdd", value: 3 },
    ]);
    p.plan("test/q", [
      {
        type: "Block",
        blocks: [
          {
            stmts: [
              { type: "Break", index: 0 },
              { type: "AssignVar", source: B(false), target: 2 },
            ],
          },
        ],
      },
      { type: "AssignVar", source: B(true), target: 3 },
      { type: "ResultSetAdd", value: 3 },
    ]);
    const policy = await load(p.build());
    // Break index 1 exits the Block member and the plan block: nothing added
    expect(policy.evaluate({ x: "ok" }, "test/p")).toEqual([]);
    expect(policy.evaluate({ x: "ok" }, "test/q")).toEqual([{ result: true }]);
  });

  it("Not: negation result", async () => {
    const p = new PolicyBuilder();
    p.plan("test/p", [
      { type: "Dot", source: L(0), key: p.s("x"), target: 2 },
      { type: "Not", block: { stmts: [{ type: "Equal", a: L(2), b: p.s("deny") }] } },
      { type: "AssignVar", source: B(true), target: 3 },
      { type: "ResultSetAdd", value: 3 },
    ]);
    const policy = await load(p.build());
    expect(policy.evaluate({ x: "ok" })).toEqual([{ result: true }]);
    expect(policy.evaluate({ x: "deny" })).toEqual([]);
  });

  it("With replaces input paths for its block and restores them", async () => {
    const p = new PolicyBuilder();
    p.plan("test/p", [
      { type: "MakeArray", capacity: 2, target: 5 },
      {
        type: "With",
        local: 0,
        path: [p.sIndex("user"), p.sIndex("name")],
        value: p.s("mallory"),
        block: {
          stmts: [
            { type: "Dot", source: L(0), key: p.s("user"), target: 2 },
            { type: "ArrayAppend", value: L(2), array: 5 },
          ],
        },
      },
      { type: "Dot", source: L(0), key: p.s("user"), target: 3 },
      { type: "ArrayAppend", value: L(3), array: 5 },
      { type: "ResultSetAdd", value: 5 },
    ]);
    const policy = await load(p.build());
    expect(policy.evaluate({ user: { name: "alice", id: 1 } })).toEqual([
      {
        result: [
          { name: "mallory", id: 1 },
          { name: "alice", id: 1 },
        ],
      },
    ]);
  });
});

describe("runtime errors", () => {
  it("aborts on conflicting complete rule values", async () => {
    const p = new PolicyBuilder();
    p.func(
      "g0.data.test.p",
      [0, 1],
      2,
      [{ type: "AssignVarOnce", source: p.s("a"), target: 2, loc: { file: "test.rego", row: 3, col: 1 } }],
      [
        { type: "Dot", source: L(0), key: p.s("conflict"), target: 3 },
        { type: "AssignVarOnce", source: p.s("b"), target: 2, loc: { file: "test.rego", row: 4, col: 1 } },
      ],
      [{ type: "ReturnLocal", source: 2 }],
    );
    p.plan("test/p", [
      { type: "Call", func: "g0.data.test.p", args: [L(0), L(1)], result: 2 },
      { type: "ResultSetAdd", value: 2 },
    ]);
    const policy = await load(p.build());
    expect(policy.evaluate({})).toEqual([{ result: "a" }]);
    expect(() => policy.evaluate({ conflict: true })).toThrow("test.rego:4:1: var assignment conflict");
  });

  it("aborts on object insert conflicts", async () => {
    const p = new PolicyBuilder();
    single(
      p,
      [
        { type: "MakeObject", target: 2 },
        { type: "ObjectInsertOnce", key: p.s("k"), value: p.s("v1"), object: 2 },
        { type: "ObjectInsertOnce", key: p.s("k"), value: p.s("v1"), object: 2 },
        { type: "Dot", source: L(0), key: p.s("conflict"), target: 3 },
        { type: "ObjectInsertOnce", key: p.s("k"), value: p.s("v2"), object: 2 },
      ],
      2,
    );
    const policy = await load(p.build());
    expect(() => policy.evaluate({ conflict: 1 })).toThrow("object insert conflict");
    expect(policy.evaluate({})).toEqual([]);
  });
});

describe("builtins", () => {
  it("delegates unknown builtins to the host through customBuiltins", async () => {
    const p = new PolicyBuilder();
    single(
      p,
      [
        { type: "Dot", source: L(0), key: p.s("name"), target: 2 },
        { type: "Call", func: "custom.greet", args: [p.s("hello"), L(2)], result: 3 },
      ],
      3,
    );
    const policy = await load(p.build(), { "custom.greet": (a: unknown, b: unknown) => `${a}, ${b}!` });
    expect(policy.evaluate({ name: "wörld" })).toEqual([{ result: "hello, wörld!" }]);
  });

  it("lists host builtins in builtins() and entrypoints in order", async () => {
    const p = new PolicyBuilder();
    single(p, [{ type: "Call", func: "sprintf", args: [p.s("%d"), L(0)], result: 2 }], 2, "a/first");
    single(p, [{ type: "Call", func: "is_string", args: [L(0)], result: 2 }], 2, "a/second");
    const policy = await load(p.build());
    expect(policy.entrypoints).toEqual({ "a/first": 0, "a/second": 1 });
    expect(policy.evaluate("x", "a/second")).toEqual([{ result: true }]);
  });
});

describe("dynamic calls", () => {
  it("CallDynamic dispatches on the evaluated rule path and fails when nothing matches", async () => {
    const p = new PolicyBuilder();
    for (const op of ["add", "sub"]) {
      p.funcs.push({
        name: `g0.data.ops.${op}`,
        path: ["g0", "data", "ops", op],
        params: [0, 1],
        ret: 2,
        blocks: [
          { stmts: [{ type: "AssignVar", source: p.s(`${op} called`), target: 2 }] },
          { stmts: [{ type: "ReturnLocal", source: 2 }] },
        ],
      });
    }
    p.plan("test/p", [
      { type: "Dot", source: L(0), key: p.s("op"), target: 2 },
      {
        type: "CallDynamic",
        path: [p.s("g0"), p.s("data"), p.s("ops"), L(2)],
        args: [0, 1],
        result: 3,
      },
      { type: "ResultSetAdd", value: 3 },
    ]);
    const policy = await load(p.build());
    expect(policy.evaluate({ op: "sub" })).toEqual([{ result: "sub called" }]);
    expect(policy.evaluate({ op: "add" })).toEqual([{ result: "add called" }]);
    expect(policy.evaluate({ op: "mul" })).toEqual([]);
  });
});

describe("template strings", () => {
  it("internal.template_string prints parts: raw strings, Rego text, <undefined>", async () => {
    const p = new PolicyBuilder();
    const stmts: Stmt[] = [
      { type: "MakeArray", capacity: 4, target: 2 },
      { type: "ArrayAppend", value: p.s("v="), array: 2 },
      { type: "Dot", source: L(0), key: p.s("v"), target: 3 },
      { type: "MakeSet", target: 4 },
      { type: "SetAdd", value: L(3), set: 4 },
      { type: "ArrayAppend", value: L(4), array: 2 },
      { type: "ArrayAppend", value: p.s(", u="), array: 2 },
      { type: "MakeSet", target: 5 },
      { type: "ArrayAppend", value: L(5), array: 2 },
      { type: "Call", func: "internal.template_string", args: [L(2)], result: 6 },
    ];
    single(p, stmts, 6);
    const policy = await load(p.build());
    expect(policy.evaluate({ v: "text" })).toEqual([{ result: "v=text, u=<undefined>" }]);
    expect(policy.evaluate({ v: [1, "a", null, { k: true }] })).toEqual([
      { result: 'v=[1, "a", null, {"k": true}], u=<undefined>' },
    ]);
  });
});

describe("static data", () => {
  it("copies static data larger than the SDK's initial memory in at start", async () => {
    const p = new PolicyBuilder();
    const big = "x".repeat(400_000);
    single(
      p,
      [
        { type: "AssignVar", source: p.s(big), target: 2 },
        { type: "Call", func: "count", args: [L(2)], result: 3 },
        { type: "MakeArray", capacity: 2, target: 4 },
        { type: "ArrayAppend", value: L(3), array: 4 },
        { type: "ArrayAppend", value: p.s("after the big string"), array: 4 },
      ],
      4,
    );
    const policy = await load(p.build());
    expect(policy.evaluate({})).toEqual([{ result: [400_000, "after the big string"] }]);
    policy.setData({ a: 1 });
    expect(policy.evaluate({})).toEqual([{ result: [400_000, "after the big string"] }]);
  });
});
