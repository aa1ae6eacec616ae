/** json.patch on JSON and on Rego sets (RegoSet operands, as the wire encoding delivers them). */
import { describe, expect, it } from "vitest";
import { applyPatch } from "../../../src/policy/builtins/json-patch.js";
import { RegoSet } from "../../../src/policy/builtins/wire.js";

const set = (...v: unknown[]) => new RegoSet(v);

describe("json.patch with sets", () => {
  it("adds, removes and moves set elements by value", () => {
    expect(applyPatch({ foo: set("a", "b", "c") }, [{ op: "remove", path: "foo/b" }])).toEqual({
      foo: set("a", "c"),
    });
    expect(applyPatch({ foo: set("a") }, [{ op: "add", path: "/foo/d", value: "d" }])).toEqual({
      foo: set("a", "d"),
    });
    expect(applyPatch({ foo: set("a") }, [{ op: "add", path: "/foo/a", value: "a" }])).toEqual({
      foo: set("a"),
    });
    expect(
      applyPatch({ foo: set("a", "b"), bar: set("c") }, [{ op: "move", from: "foo/a", path: "bar/a" }]),
    ).toEqual({ foo: set("b"), bar: set("c", "a") });
  });

  it("addresses a non-string element with an array path", () => {
    expect(applyPatch(set([1]), [{ op: "add", path: [[1], 1], value: 2 }])).toEqual(set([1, 2]));
  });

  it("tests set equality regardless of order", () => {
    expect(applyPatch({ s: set(1, 2) }, [{ op: "test", path: "/s", value: set(2, 1) }])).toEqual({
      s: set(1, 2),
    });
    expect(() => applyPatch({ s: set(1, 2) }, [{ op: "test", path: "/s", value: [1, 2] }])).toThrow(
      /test operation failed/,
    );
  });

  it("leaves the operand untouched", () => {
    const doc = { foo: set("a") };
    applyPatch(doc, [{ op: "add", path: "foo/b", value: "b" }]);
    expect(doc).toEqual({ foo: set("a") });
  });

  it.each([
    [
      "a key that differs from the added value",
      { foo: set("a") },
      { op: "add", path: "foo/d", value: "e" },
      /must equal its value/,
    ],
    ["removing a missing element", { foo: set("a") }, { op: "remove", path: "foo/z" }, /not found/],
    ["add without a value", [1], { op: "add", path: "/-" }, /missing 'value'/],
    ["replace without a value", [1], { op: "replace", path: "/0" }, /missing 'value'/],
    [
      "a non-string object key in an array path",
      { a: 1 },
      { op: "remove", path: [1] },
      /object keys must be strings/,
    ],
  ])("rejects %s", (_name, doc, op, message) => {
    expect(() => applyPatch(doc, [op])).toThrow(message);
  });

  it("replaces the whole document with an empty path", () => {
    expect(applyPatch("foo", [{ op: "replace", path: "", value: "bar" }])).toBe("bar");
    expect(applyPatch({ a: 1 }, [{ op: "replace", path: "", value: { b: 2 } }])).toEqual({ b: 2 });
  });
});
