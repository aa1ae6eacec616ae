import { describe, expect, it } from "vitest";
import { B, L, PolicyBuilder, load } from "./helpers.js";

describe("generateWasm", () => {
  it("evaluates a complete rule: allow if input.user == 'alice'", async () => {
    const p = new PolicyBuilder();
    p.func(
      "g0.data.test.allow",
      [0, 1],
      2,
      [
        { type: "Dot", source: L(0), key: p.s("user"), target: 3 },
        { type: "Equal", a: L(3), b: p.s("alice") },
        { type: "AssignVarOnce", source: B(true), target: 2 },
      ],
      [{ type: "ReturnLocal", source: 2 }],
    );
    p.plan("test/allow", [
      { type: "Call", func: "g0.data.test.allow", args: [L(0), L(1)], result: 2 },
      { type: "ResultSetAdd", value: 2 },
    ]);
    const policy = await load(p.build());
    expect(policy.entrypoints).toEqual({ "test/allow": 0 });
    expect(policy.evaluate({ user: "alice" })).toEqual([{ result: true }]);
    expect(policy.evaluate({ user: "bob" })).toEqual([]);
    expect(policy.evaluate({})).toEqual([]);
    expect(policy.evaluate(undefined)).toEqual([]);
  });
});
