/**
 * Rule values are computed once per evaluation (codegen memoization, runtime memo.ts), and never
 * reused where input, data or a mocked function differ, nor across evaluations.
 */
import { describe, expect, it } from "vitest";
import { hostBuiltins } from "../../src/policy/builtins/index.js";
import { instantiate, jsonBuffer } from "../../src/policy/sdk.js";
import type { HostBuiltin } from "../../src/policy/sdk.js";
import { compileRego } from "../../src/rego/compile.js";

async function load(rego: string, data: unknown = {}) {
  const { wasm } = compileRego([{ path: "t.rego", text: `package t\n${rego}` }], { entrypoints: ["t/p"] });
  const builtins = hostBuiltins({ strict: true });
  let calls = 0;
  const patch = builtins["json.patch"] as HostBuiltin;
  builtins["json.patch"] = (...args: unknown[]) => {
    calls++;
    return patch(...args);
  };
  const policy = await instantiate(wasm, builtins);
  policy.setData(jsonBuffer(data));
  return {
    calls: () => calls,
    eval: (input: unknown) => (policy.evaluate(jsonBuffer(input), "t/p") as { result: unknown }[])[0]?.result,
  };
}

describe("rule memoization", () => {
  it("evaluates a rule referenced many times once per evaluation", async () => {
    const p = await load(
      'r := json.patch({"a": input.a}, [])\np := [x | some _ in numbers.range(1, 50); x := r.a]',
    );
    expect(p.eval({ a: 1 })).toEqual(Array(50).fill(1));
    expect(p.calls()).toBe(1);
    // A new evaluation starts afresh.
    expect(p.eval({ a: 2 })).toEqual(Array(50).fill(2));
    expect(p.calls()).toBe(2);
  });

  it("does not reuse a value under `with input` or `with data`", async () => {
    const p = await load(
      [
        "r := [input.x, data.d]",
        "p := [a, b, c, e] if {",
        "  a := r",
        '  b := r with input as {"x": 2}',
        "  c := r with data.d as 3",
        "  e := r",
        "}",
      ].join("\n"),
      { d: 1 },
    );
    expect(p.eval({ x: 1 })).toEqual([
      [1, 1],
      [2, 1],
      [1, 3],
      [1, 1],
    ]);
  });

  it("does not reuse a value under a mocked function", async () => {
    const p = await load(
      "r := count(input.xs)\np := [a, b, c] if { a := r; b := r with count as 42; c := r }",
    );
    expect(p.eval({ xs: [1, 2] })).toEqual([2, 42, 2]);
  });

  it("keeps functions with arguments and partial rules correct", async () => {
    const p = await load(
      "f(x) := x + input.k\ns contains f(i) if some i in [1, 2]\np := [f(1), f(2), s, count(s)]",
    );
    expect(p.eval({ k: 10 })).toEqual([11, 12, [11, 12], 2]);
  });

  it("recomputes an undefined rule instead of caching it", async () => {
    const p = await load("r := input.missing\np := [x | some _ in [1, 2]; not r; x := 0]");
    expect(p.eval({})).toEqual([0, 0]);
  });
});
