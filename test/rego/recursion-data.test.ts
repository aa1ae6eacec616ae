/** A rule that reads the whole of `data` reads itself: a compile-time recursion error, as in OPA. */
import { describe, expect, it } from "vitest";
import { RegoCompileError } from "../../src/rego/errors.js";
import { compileRego } from "../../src/rego/compile.js";

function compile(text: string): RegoCompileError | undefined {
  try {
    compileRego([{ path: "a.rego", text }], { entrypoints: ["x/p"] });
    return undefined;
  } catch (e) {
    if (e instanceof RegoCompileError) return e;
    throw e;
  }
}

describe("recursion through data", () => {
  it.each([
    ["the whole data document", "package x\np := data"],
    ["data bound in a body", "package x\np if { d := data; d.y }"],
    ["its own package", "package x\np := data.x"],
  ])("rejects a rule reading %s", (_name, text) => {
    const err = compile(text);
    expect(err?.errors[0]?.code).toBe("rego_recursion_error");
    expect(err?.errors[0]?.message).toMatch(/data\.x\.p is recursive/);
  });

  it.each([
    ["another document", "package x\np := data.y"],
    ["data through a ref head", "package x\np if { data.a.b }"],
    ["a with target", "package x\nq := 1\np := 1 if { q with data.y as 2 }"],
  ])("accepts a rule reading %s", (_name, text) => {
    expect(compile(text)).toBeUndefined();
  });
});
