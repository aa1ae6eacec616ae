/** The host side of the host-builtin value encoding (src/policy/builtins/wire.ts, registry.ts). */
import { describe, expect, it } from "vitest";
import { hostBuiltins } from "../../../src/policy/builtins/index.js";
import {
  HostBuiltinError,
  type BuiltinFamily,
  takesSets,
  wrapFamilies,
} from "../../../src/policy/builtins/registry.js";
import {
  RegoSet,
  isWrapped,
  plainResult,
  unwrapOperand,
  wrapResult,
} from "../../../src/policy/builtins/wire.js";

const W = "\u0000v";
const S = "\u0000set";
const wrapped = (x: unknown) => ({ [W]: x });

describe("wire encoding", () => {
  it("decodes sets (as RegoSet or arrays) and escaped keys; leaves plain values alone", () => {
    const v = wrapped({ s: { [S]: [1, { [S]: [] }] }, "\u0000\u0000k": "nul key", plain: [1, "a"] });
    expect(unwrapOperand(v, true)).toEqual({
      s: new RegoSet([1, new RegoSet([])]),
      "\u0000k": "nul key",
      plain: [1, "a"],
    });
    expect(unwrapOperand(v, false)).toEqual({ s: [1, []], "\u0000k": "nul key", plain: [1, "a"] });
    const plain = { a: [1, { b: null }] };
    expect(unwrapOperand(wrapped(plain), true)).toBe(plain);
  });

  it.each([
    ["a NUL key that is neither escaped nor a set", { "\u0000x": 1 }],
    ["a set marker with another key", { [S]: [1], a: 2 }],
    ["a set marker without an array", { [S]: 1 }],
  ])("rejects %s", (_name, x) => {
    expect(() => unwrapOperand(wrapped(x), true)).toThrow(/malformed/);
  });

  it("wraps results: RegoSet as a set marker, NUL-first keys escaped; raw JSON and undefined stay plain", () => {
    expect(wrapResult(new RegoSet(["a", { "\u0000k": 1 }]))).toEqual(
      wrapped({ [S]: ["a", { "\u0000\u0000k": 1 }] }),
    );
    const plain = { a: [1] };
    expect((wrapResult(plain) as Record<string, unknown>)[W]).toBe(plain);
    const raw = new ArrayBuffer(2);
    expect(wrapResult(raw)).toBe(raw);
    expect(wrapResult(undefined)).toBeUndefined();
  });

  it("gives plain callers sets as arrays", () => {
    expect(plainResult({ a: new RegoSet([1, new RegoSet([2])]) })).toEqual({ a: [1, [2]] });
  });

  it("recognises only a one-key wrapper", () => {
    expect(isWrapped({ [W]: 1 })).toBe(true);
    expect(isWrapped({ [W]: 1, b: 2 })).toBe(false);
    expect(isWrapped([1])).toBe(false);
    expect(isWrapped(null)).toBe(false);
  });
});

describe("registry with the encoding", () => {
  const family: BuiltinFamily = {
    "t.echo": (x) => x,
    "t.sets": takesSets((x) => x),
    "t.make": () => new RegoSet([1]),
  };
  const b = wrapFamilies([family], { strict: true });

  it("answers wrapped operands with a wrapped result; sets reach only builtins that take them", () => {
    const set = wrapped({ [S]: ["a"] });
    expect(b["t.echo"]?.(set)).toEqual(wrapped(["a"]));
    expect(b["t.sets"]?.(set)).toEqual(wrapped({ [S]: ["a"] }));
  });

  it("answers plain operands plainly (modules not built by our compiler, direct calls)", () => {
    expect(b["t.echo"]?.({ [S]: ["a"] })).toEqual({ [S]: ["a"] });
    expect(b["t.make"]?.()).toEqual([1]);
  });

  it("turns a malformed wrapped operand into a builtin error", () => {
    expect(() => b["t.echo"]?.(wrapped({ "\u0000x": 1 }))).toThrow(HostBuiltinError);
  });

  it("json.patch called directly still takes and returns JSON", () => {
    const patch = hostBuiltins({ strict: true })["json.patch"];
    expect(patch?.({ a: [1] }, [{ op: "add", path: "/a/-", value: 2 }])).toEqual({ a: [1, 2] });
  });
});
