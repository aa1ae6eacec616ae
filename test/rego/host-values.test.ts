/**
 * Sets and NUL-first object keys across the host-builtin boundary, end to end: compiled by our
 * compiler, evaluated by the unmodified SDK with our host builtins (runtime host.ts <-> wire.ts).
 */
import { describe, expect, it } from "vitest";
import { hostBuiltins } from "../../src/policy/builtins/index.js";
import { instantiate, jsonBuffer } from "../../src/policy/sdk.js";
import { compileRego } from "../../src/rego/compile.js";

async function evaluate(rego: string, input: unknown = {}): Promise<unknown> {
  const { wasm } = compileRego([{ path: "t.rego", text: `package t\n${rego}` }], { entrypoints: ["t/p"] });
  const policy = await instantiate(wasm, hostBuiltins({ strict: true }));
  const rs = policy.evaluate(jsonBuffer(input), "t/p") as { result: unknown }[];
  return rs[0]?.result;
}

describe("host builtin values", () => {
  it("json.patch keeps a set a set", async () => {
    const p = 'r := json.patch({"foo": {"a", "b"}}, [{"op": "add", "path": "foo/c", "value": "c"}])\n';
    expect(await evaluate(`${p}p := [is_set(r.foo), r.foo == {"a", "b", "c"}]`)).toEqual([true, true]);
  });

  it("a set nested in an operand reaches a set-unaware builtin as an array", async () => {
    // json.match_schema sees {"a": {1}} as {"a": [1]}: the schema for an array matches.
    const rego = 'p := json.match_schema({"a": {1}}, {"properties": {"a": {"type": "array"}}})[0]';
    expect(await evaluate(rego)).toBe(true);
  });

  it("net.cidr_expand returns a set, as in OPA", async () => {
    expect(await evaluate('p := net.cidr_expand("192.0.2.0/31") == {"192.0.2.0", "192.0.2.1"}')).toBe(true);
  });

  it("object keys starting with NUL survive the round trip", async () => {
    const rego = 'p := json.patch(input.doc, [{"op": "add", "path": "/b", "value": {"\\u0000set": [1]}}])';
    const doc = { "\u0000v": 1, "\u0000\u0000w": 2 };
    expect(await evaluate(rego, { doc })).toEqual({ ...doc, b: { "\u0000set": [1] } });
  });

  it("builtins the SDK implements itself still get plain JSON", async () => {
    expect(await evaluate('p := yaml.unmarshal(yaml.marshal({"a": [1, 2]}))')).toEqual({ a: [1, 2] });
  });
});
