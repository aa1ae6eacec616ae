import { describe, expect, it } from "vitest";
import { BUILTINS } from "../../src/rego/builtins/catalog.js";
import { checkModules } from "../../src/rego/check/index.js";
import { RegoCompileError } from "../../src/rego/errors.js";
import { parseModule } from "../../src/rego/syntax/index.js";

describe("builtin catalog", () => {
  it.each([
    ["count", 1],
    ["time.now_ns", 0],
    ["object.get", 3],
    ["regex.template_match", 4],
    ["io.jwt.decode_verify", 2],
    ["http.send", 1],
    ["internal.member_3", 3],
    ["net.cidr_merge", 1],
    ["graphql.parse", 2],
    ["units.parse_bytes", 1],
  ])("%s takes %i arguments", (name, arity) => {
    expect(BUILTINS.get(name)?.arity).toBe(arity);
  });

  it("marks OPA 1.x's removed builtins deprecated, and only those", () => {
    const deprecated = [...BUILTINS.values()]
      .filter((b) => b.deprecated)
      .map((b) => b.name)
      .sort();
    expect(deprecated).toEqual([
      "all",
      "any",
      "cast_array",
      "cast_boolean",
      "cast_null",
      "cast_object",
      "cast_set",
      "cast_string",
      "net.cidr_overlap",
      "re_match",
      "set_diff",
    ]);
  });

  it("has walk as the only relation and print as the only variadic builtin", () => {
    expect([...BUILTINS.values()].filter((b) => b.relation).map((b) => b.name)).toEqual(["walk"]);
    expect([...BUILTINS.values()].filter((b) => b.variadic).map((b) => b.name)).toEqual(["print"]);
  });

  it("names operators with their infix spelling", () => {
    expect(BUILTINS.get("equal")?.infix).toBe("==");
    expect(BUILTINS.get("rem")?.infix).toBe("%");
    expect(BUILTINS.get("internal.member_2")?.infix).toBe("in");
  });

  it("is what checkModules checks calls against, and can be replaced", () => {
    const mod = parseModule({ path: "c.rego", text: "package c\np := count([1])\nq := custom.fn(1)" });
    expect(() => checkModules([mod])).toThrow(RegoCompileError);
    const custom = new Map(BUILTINS);
    custom.set("custom.fn", { name: "custom.fn", arity: 1, relation: false });
    expect(checkModules([mod], { builtins: custom }).calledBuiltins).toEqual(new Set(["count", "custom.fn"]));
  });
});
