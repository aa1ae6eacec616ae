/**
 * The direct opa_eval path (sdk.ts textEvaluator) must give exactly the SDK's evaluate results:
 * same input bytes, same heap reset, memory grown when an input does not fit.
 */
import { beforeAll, describe, expect, it } from "vitest";
import {
  type TextEvaluator,
  type WasmPolicy,
  instantiate,
  jsonBuffer,
  textEvaluator,
} from "../../src/policy/sdk.js";
import { echoPolicy } from "./fixture-wasm.js";

const custom = { "custom.fail": (x: unknown) => x };

describe("textEvaluator (direct opa_eval)", () => {
  let policy: WasmPolicy;
  let direct: TextEvaluator;
  let echo: number;
  let data: number;
  beforeAll(async () => {
    policy = await instantiate(echoPolicy(), custom);
    policy.setData(jsonBuffer({ answer: { n: 42, s: "données" } }));
    const d = textEvaluator(policy);
    if (!d) throw new Error("fixture module should support ABI 1.2");
    direct = d;
    echo = policy.entrypoints["test/echo"] as number;
    data = policy.entrypoints["test/data"] as number;
  });

  const inputs: unknown[] = [
    { decision: true },
    { decision: false },
    { decision: { allowed: true, headers: { "x-a": ["1", "2"] } } },
    { decision: 'é€𝄞 \u0000 \ud800 quote" backslash\\' },
    { decision: [1, 2.5, -3e300, null] },
    {},
    null,
    false,
    0,
    "text",
  ];

  for (const input of inputs) {
    it(`matches the SDK for ${JSON.stringify(input)}`, () => {
      const text = JSON.stringify(input);
      const expected = policy.evaluate(jsonBuffer(input), echo);
      expect(direct(text, echo)).toEqual(expected);
    });
  }

  it("returns the expression's value (not a stale result) on every call", () => {
    expect(direct(JSON.stringify({ decision: 1 }), echo)).toEqual([{ result: 1 }]);
    expect(direct(JSON.stringify({ decision: 2 }), echo)).toEqual([{ result: 2 }]);
    expect(direct(JSON.stringify({ nothing: 1 }), echo)).toEqual([]);
  });

  it("reads data set before (and after) it was created", () => {
    expect(direct("{}", data)).toEqual([{ result: { n: 42, s: "données" } }]);
    policy.setData(jsonBuffer({ answer: "replaced" }));
    expect(direct("{}", data)).toEqual([{ result: "replaced" }]);
    policy.setData(jsonBuffer({ answer: { n: 42, s: "données" } }));
  });

  it("grows the module's memory for an input larger than the free heap", () => {
    // 3 MiB of multi-byte text: far beyond the initial 5 pages (320 KiB).
    const big = "é".repeat(1_500_000);
    const got = direct(JSON.stringify({ decision: big }), echo) as Array<{ result: string }>;
    expect(got[0]?.result.length).toBe(big.length);
    expect(got[0]?.result === big).toBe(true);
    // And small inputs still work afterwards.
    expect(direct(JSON.stringify({ decision: "small" }), echo)).toEqual([{ result: "small" }]);
  });

  it("throws on text that is not JSON (the engine turns it into policy_eval_error)", () => {
    expect(() => direct("{not json", echo)).toThrow();
  });
});
