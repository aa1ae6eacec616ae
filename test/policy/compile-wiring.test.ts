import { describe, expect, it } from "vitest";
import type { Module } from "../../src/rego/ast/types.js";
import { calledBuiltinsOf, compileRego, compileWith, type RegoStages } from "../../src/rego/compile.js";
import { RegoCompileError } from "../../src/rego/errors.js";
import type { Policy } from "../../src/rego/ir/types.js";

const policy: Policy = {
  static: { strings: [], files: [] },
  plans: [
    {
      name: "a/p",
      blocks: [
        {
          stmts: [
            { type: "Call", func: "sprintf", args: [], result: 2 },
            { type: "Call", func: "g0.data.a.f", args: [], result: 3 },
            { type: "Not", block: { stmts: [{ type: "Call", func: "count", args: [], result: 4 }] } },
            {
              type: "Scan",
              source: 0,
              key: 5,
              value: 6,
              block: { stmts: [{ type: "Call", func: "time.now_ns", args: [], result: 7 }] },
            },
          ],
        },
      ],
    },
  ],
  funcs: [{ name: "g0.data.a.f", path: ["g0", "a", "f"], params: [0, 1], ret: 2, blocks: [] }],
};

function stages(over: Partial<RegoStages>): RegoStages {
  const mod = {
    file: "x.rego",
    package: ["a"],
    packageLoc: { file: "x.rego", row: 1, col: 1 },
    imports: [],
    rules: [],
  } as Module;
  return {
    parseModule: () => mod,
    checkModules: () => ({ modules: [mod], rules: new Map(), calledBuiltins: new Set() }),
    planPolicy: () => policy,
    generateWasm: () => new Uint8Array([0, 97, 115, 109]),
    nativeBuiltins: () => ["count"],
    ...over,
  };
}

describe("compileRego wiring", () => {
  it("returns wasm, entrypoint ids and the builtins the host must supply", () => {
    const r = compileWith(stages({}), [{ path: "x.rego", text: "package a" }], { entrypoints: ["a/p"] });
    expect(r.entrypoints).toEqual({ "a/p": 0 });
    expect(r.hostBuiltins).toEqual(["sprintf", "time.now_ns"]);
    // Every built-in the IR calls (user functions excluded); the host's share is those the module
    // does not implement (nativeBuiltins: count).
    expect(calledBuiltinsOf(policy)).toEqual(["count", "sprintf", "time.now_ns"]);
    const other = compileWith(
      stages({ nativeBuiltins: () => ["count", "sprintf"] }),
      [{ path: "x.rego", text: "package a" }],
      {
        entrypoints: ["a/p"],
      },
    );
    expect(other.hostBuiltins).toEqual(["time.now_ns"]);
  });

  it("wraps a stage crash as a rego_compile_error naming the stage", () => {
    const s = stages({
      planPolicy: () => {
        throw new TypeError("boom");
      },
    });
    expect(() => compileWith(s, [{ path: "x.rego", text: "" }], { entrypoints: ["a/p"] })).toThrow(
      /x\.rego:1:1: rego_compile_error: internal error in plan stage: boom/,
    );
  });

  it("reports stack exhaustion as input nested too deeply", () => {
    const s = stages({
      checkModules: () => {
        throw new RangeError("Maximum call stack size exceeded");
      },
    });
    expect(() => compileWith(s, [{ path: "x.rego", text: "" }], { entrypoints: ["a/p"] })).toThrow(
      /nested too deeply/,
    );
  });

  it.each([[[]], [["a//p"]], [["a p"]], [["/a"]]])("rejects entrypoints %j", (entrypoints) => {
    expect(() => compileWith(stages({}), [], { entrypoints })).toThrow(RegoCompileError);
  });

  it("collects parse errors from every file", () => {
    let err: unknown;
    try {
      compileRego(
        [
          { path: "a.rego", text: "package a\n\np if {" },
          { path: "b.rego", text: "package b\n\nq := [" },
        ],
        { entrypoints: ["a/p"] },
      );
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RegoCompileError);
    const files = (err as RegoCompileError).errors.map((e) => e.location.file);
    expect(files).toContain("a.rego");
    expect(files).toContain("b.rego");
  });
});
