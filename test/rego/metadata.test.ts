/**
 * METADATA annotations (syntax/annotations.ts) and rego.metadata.rule()/chain() as compile-time
 * constants (check/metadata.ts), evaluated through the compiled Wasm module.
 */
import { loadPolicy } from "@open-policy-agent/opa-wasm";
import { describe, expect, it } from "vitest";
import { compileRego } from "../../src/rego/compile.js";
import { RegoCompileError } from "../../src/rego/errors.js";
import { parseModule } from "../../src/rego/syntax/index.js";

async function evaluate(sources: string[], entrypoint: string): Promise<unknown> {
  const files = sources.map((text, i) => ({ path: `m${i}.rego`, text }));
  const { wasm } = compileRego(files, { entrypoints: [entrypoint] });
  const policy = await loadPolicy(wasm);
  const rs = policy.evaluate({}, entrypoint) as { result: unknown }[];
  return rs[0]?.result;
}

function compileError(sources: string[]): RegoCompileError {
  try {
    compileRego(
      sources.map((text, i) => ({ path: `m${i}.rego`, text })),
      { entrypoints: ["t/p"] },
    );
  } catch (e) {
    if (e instanceof RegoCompileError) return e;
    throw e;
  }
  throw new Error("compiled");
}

describe("METADATA blocks", () => {
  it("attaches a block to the next statement with default scopes", () => {
    const m = parseModule({
      path: "a.rego",
      text: [
        "# METADATA",
        "# title: pkg",
        "package t",
        "",
        "# METADATA",
        "# title: first",
        "# authors:",
        "# - Jane Doe <jane@example.com>",
        "# - <ops@example.com>",
        "# - {name: Bob}",
        "# related_resources:",
        "# - https://example.com/a",
        "# - {ref: 'https://example.com/b', description: B}",
        "# organizations: [Acme]",
        "# custom: {level: 3, tags: [x]}",
        "p := 1",
        "",
        "# METADATA",
        "# entrypoint: true",
        "q := 2",
      ].join("\n"),
    });
    expect(m.annotations).toEqual([
      {
        scope: "package",
        value: { scope: "package", title: "pkg" },
        loc: { file: "a.rego", row: 1, col: 1 },
      },
      {
        scope: "rule",
        rule: 0,
        value: {
          scope: "rule",
          title: "first",
          organizations: ["Acme"],
          related_resources: [
            { ref: "https://example.com/a" },
            { ref: "https://example.com/b", description: "B" },
          ],
          authors: [
            { name: "Jane Doe", email: "jane@example.com" },
            { email: "ops@example.com" },
            { name: "Bob" },
          ],
          custom: { level: 3, tags: ["x"] },
        },
        loc: { file: "a.rego", row: 5, col: 1 },
      },
      {
        scope: "document",
        rule: 1,
        value: { scope: "document", entrypoint: true },
        loc: { file: "a.rego", row: 18, col: 1 },
      },
    ]);
  });

  it("reads schemas as reference paths or inline definitions", () => {
    const m = parseModule({
      path: "a.rego",
      text: 'package t\n# METADATA\n# schemas:\n# - input.x: schema.y\n# - data.a["b"]: {type: string}\np := 1',
    });
    expect(m.annotations?.[0]?.value.schemas).toEqual([
      { path: ["input", "x"], schema: ["schema", "y"] },
      { path: ["data", "a", "b"], definition: { type: "string" } },
    ]);
  });

  it("ends a block at a comment that does not start in column 1, and ignores ordinary comments", () => {
    const m = parseModule({
      path: "a.rego",
      text: "package t\n# just a comment\n# METADATA\n# title: x\n  # description: indented, not part of it\np := 1",
    });
    expect(m.annotations?.map((a) => a.value)).toEqual([{ scope: "rule", title: "x" }]);
  });

  const REJECTED: [string, string, RegExp][] = [
    ["invalid YAML", "package t\n# METADATA\n# title: [unclosed\np := 1", /invalid METADATA block/],
    ["not a mapping", "package t\n# METADATA\n# - a\np := 1", /want a YAML mapping/],
    ["only whitespace", "package t\n# METADATA\n#\np := 1", /found whitespace/],
    [
      "package scope on a rule",
      "package t\n# METADATA\n# scope: package\np := 1",
      /scope "package" on a rule/,
    ],
    ["rule scope on the package", "# METADATA\n# scope: rule\npackage t", /scope "rule" on a package/],
    ["unknown scope", "package t\n# METADATA\n# scope: everything\np := 1", /scope "everything" on a rule/],
    ["block at the end", "package t\np := 1\n# METADATA\n# title: x", /no rule or package/],
    [
      "block before an import",
      "package t\n# METADATA\n# title: x\nimport data.a\np := 1",
      /no rule or package/,
    ],
    ["title not a scalar", "package t\n# METADATA\n# title: {a: 1}\np := 1", /title must be a string/],
    [
      "entrypoint not a boolean",
      "package t\n# METADATA\n# entrypoint: yes please\np := 1",
      /entrypoint must be a boolean/,
    ],
    [
      "related resource not a URL",
      "package t\n# METADATA\n# related_resources: [not a url]\np := 1",
      /is not a URL/,
    ],
    ["empty author", "package t\n# METADATA\n# authors: [{email: ''}]\np := 1", /name or an email/],
    ["custom not a mapping", "package t\n# METADATA\n# custom: [1]\np := 1", /custom must be a mapping/],
    ["bad schema reference", "package t\n# METADATA\n# schemas: [{input.x: '1y'}]\np := 1", /bad reference/],
  ];
  it.each(REJECTED)("rejects %s with a parse error", (_name, text, message) => {
    let err: unknown;
    try {
      parseModule({ path: "a.rego", text });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RegoCompileError);
    const first = (err as RegoCompileError).errors[0];
    expect(first?.code).toBe("rego_parse_error");
    expect(first?.message).toMatch(message);
  });

  it("keeps a __proto__ key in custom data as a key", () => {
    const m = parseModule({
      path: "a.rego",
      text: "package t\n# METADATA\n# custom: {__proto__: {x: 1}}\np := 1",
    });
    const custom = m.annotations?.[0]?.value.custom as Record<string, unknown>;
    expect(Object.keys(custom)).toEqual(["__proto__"]);
    expect(Object.getPrototypeOf(custom)).toBe(Object.prototype);
  });
});

describe("rego.metadata.rule() and rego.metadata.chain()", () => {
  it("rule() is the closest rule-scope annotation, {} without one", async () => {
    const src = "package t\n# METADATA\n# title: P\np := rego.metadata.rule()\nq := rego.metadata.rule()";
    expect(await evaluate([src], "t/p")).toEqual({ scope: "rule", title: "P" });
    expect(await evaluate([src], "t/q")).toEqual({});
  });

  it("chain() runs from the rule out to subpackages of ancestor packages", async () => {
    const root = "# METADATA\n# scope: subpackages\n# title: root\npackage a\n";
    const mid = "# METADATA\n# scope: subpackages\n# title: mid\npackage a.b\n";
    const leaf = [
      "# METADATA",
      "# title: leaf",
      "package a.b.c",
      "# METADATA",
      "# scope: document",
      "# description: doc",
      "p := 1 if false",
      "# METADATA",
      "# title: rule",
      "p := x if { x := rego.metadata.chain() }",
    ].join("\n");
    expect(await evaluate([root, mid, leaf], "a/b/c/p")).toEqual([
      { path: ["a", "b", "c", "p"], annotations: { scope: "rule", title: "rule" } },
      { path: ["a", "b", "c", "p"], annotations: { scope: "document", description: "doc" } },
      { path: ["a", "b", "c"], annotations: { scope: "package", title: "leaf" } },
      { path: ["a", "b"], annotations: { scope: "subpackages", title: "mid" } },
      { path: ["a"], annotations: { scope: "subpackages", title: "root" } },
    ]);
  });

  it("chain() of a rule without annotations starts with its path alone; calls in functions and comprehensions", async () => {
    const src = [
      "package t",
      "f(_) := rego.metadata.chain()",
      "p := [c | some i in [1]; c := f(i)]",
      "q := rego.metadata.rule().title",
      "# METADATA",
      "# title: R",
      "r := rego.metadata.rule().title",
    ].join("\n");
    expect(await evaluate([src], "t/p")).toEqual([[{ path: ["t", "f"] }]]);
    expect(await evaluate([src], "t/q")).toBeUndefined();
    expect(await evaluate([src], "t/r")).toBe("R");
  });

  it("binds an output argument: rego.metadata.rule(x)", async () => {
    const src = "package t\n# METADATA\n# title: out\np := x if { rego.metadata.rule(x) }";
    expect(await evaluate([src], "t/p")).toEqual({ scope: "rule", title: "out" });
  });

  it("a second package or document annotation for one path is a compile error", () => {
    const pkg = compileError([
      "# METADATA\n# title: a\npackage t\np := 1",
      "# METADATA\n# title: b\npackage t",
    ]);
    expect(pkg.errors[0]?.code).toBe("rego_type_error");
    expect(pkg.errors[0]?.message).toMatch(/package annotation redeclared/);
    const doc = compileError([
      "package t\n# METADATA\n# scope: document\np := 1 if false\n# METADATA\n# scope: document\np := 2",
    ]);
    expect(doc.errors[0]?.message).toMatch(/document annotation redeclared/);
  });
});
