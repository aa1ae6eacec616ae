/**
 * The input-path analysis (src/rego/analysis/input-paths.ts) on small policies compiled by our
 * compiler, and on hand-written IR for the cases the planner does not produce.
 */
import { describe, expect, it } from "vitest";
import { MAX_PATH_LENGTH, inputPathList, inputPaths } from "../../src/rego/analysis/input-paths.js";
import { checkModules } from "../../src/rego/check/index.js";
import { compileRego, compileWith } from "../../src/rego/compile.js";
import type { Block, Policy, Stmt } from "../../src/rego/ir/types.js";
import { planPolicy } from "../../src/rego/plan/index.js";
import { parseModule } from "../../src/rego/syntax/index.js";

/** The analysis result as sorted "a.b" (existence / keys below read) and "a.b*" (WHOLE) entries. */
function paths(rego: string, entrypoints = ["t/p"]): string[] | "whole input" {
  const r = compileRego([{ path: "t.rego", text: `package t\n${rego}` }], { entrypoints });
  if (r.inputPaths === undefined) return "whole input";
  return r.inputPaths.map((p) => `${p.path.join(".")}${p.whole ? "*" : ""}`).sort();
}

describe("inputPaths on compiled policies", () => {
  it("static references: unified with a constant, tested, or passed to a builtin (== is one)", () => {
    expect(paths('p if { input.a.b = "x"; input.c; startswith(input.d.e, "y"); input.f == "z" }')).toEqual([
      "a.b",
      "c",
      "d.e*",
      "f*",
    ]);
  });

  it("a rule returning an input subtree, dotted elsewhere, stays precise", () => {
    expect(
      paths(
        'http := input.attributes.request.http\np if { startswith(http.path, "/api"); http.method = "GET" }',
      ),
    ).toEqual(["attributes.request.http.method", "attributes.request.http.path*"]);
  });

  it("`not input.x` needs x to exist, nothing below it", () => {
    expect(paths("p if not input.x")).toEqual(["x"]);
  });

  it("a key known only at run time: whole at that level, and the key itself whole", () => {
    expect(paths("p if input.a[input.k] == 1")).toEqual(["a*", "k*"]);
    expect(paths("p if { some k; input.a[k] == 1 }")).toEqual(["a*"]);
    expect(paths("p if input[data.k] == 1")).toBe("whole input");
  });

  it("builtins see their argument whole", () => {
    expect(paths("p := json.marshal(input.a)")).toEqual(["a*"]);
    expect(paths('p := object.get(input.a, "b", 0)')).toEqual(["a*"]);
    expect(paths("p := count(input.a.list)")).toEqual(["a.list*"]);
    expect(paths("p := object.keys(input.a)")).toEqual(["a*"]);
    expect(paths("p if { walk(input, [path, value]); value == 1 }")).toBe("whole input");
  });

  it("some k, v in input.a / every / comprehensions: the collection is whole", () => {
    expect(paths("p if { some k, v in input.a; v == k }")).toEqual(["a*"]);
    expect(paths("p if every x in input.list { x > 0 }")).toEqual(["list*"]);
    expect(paths("p := [x | some x in input.a.items]")).toEqual(["a.items*"]);
    expect(paths("p := {k: v | some k, v in input.o; v == input.z.w}")).toEqual(["o*", "z.w*"]);
  });

  it("a user function taking input.a: only what the function reads", () => {
    expect(paths('f(x) := x.b\ng(y) if y.c.d = "q"\np if { f(input.a) == 1; g(input.a) }')).toEqual([
      "a.b*",
      "a.c.d",
    ]);
  });

  it("the value of a rule or function returned to the caller", () => {
    expect(paths("f(x) := x\np := f(input.a).c")).toEqual(["a.c*"]);
    expect(paths("p := input.a")).toEqual(["a*"]);
    expect(paths("s contains input.a.b if input.c\np := s")).toEqual(["a.b*", "c"]);
  });

  it("`with input.a as ...`: the replaced value is whole, the rest of the input keeps its paths", () => {
    expect(paths('q if input.a.b = true\np if q with input.a.z as "v"')).toEqual(["a.b"]);
    expect(paths("q if input.a.b\np if q with input.a as input.w")).toEqual(["a.b", "w*"]);
  });

  it("import input.attributes.request.http as h, then h.path", () => {
    expect(paths('import input.attributes.request.http as h\np if startswith(h.path, "/")')).toEqual([
      "attributes.request.http.path*",
    ]);
  });

  it("comparisons of two values, or with a composite, are whole", () => {
    expect(paths("p if input.a == input.b")).toEqual(["a*", "b*"]);
    expect(paths("p if input.a == {}")).toEqual(["a*"]);
    expect(paths("p if input.a == 1")).toEqual(["a*"]); // numbers are locals, not constants
  });

  it("a complete rule with two definitions compares their whole values (conflict check)", () => {
    expect(paths("x := input.a if input.k == 1\nx := input.b if input.k == 2\np := x.c")).toEqual([
      "a*",
      "b*",
      "k*",
    ]);
  });

  it("the whole input used anywhere gives the whole input", () => {
    expect(paths("p := input")).toBe("whole input");
    expect(paths("p := count(input)")).toBe("whole input");
    expect(paths("p if input == {}")).toBe("whole input");
  });

  it("a policy that never reads the input gives an empty list", () => {
    expect(paths("p := 1")).toEqual([]);
  });

  it("all entrypoints count", () => {
    expect(paths("p := input.a.x\nq := input.b", ["t/p", "t/q"])).toEqual(["a.x*", "b*"]);
  });
});

describe("inputPaths on hand-written IR", () => {
  const policy = (stmts: Stmt[], strings: string[] = ["a"]): Policy => ({
    static: { strings, files: [] },
    plans: [{ name: "p", blocks: [{ stmts }] }],
    funcs: [],
  });

  it("CallDynamic anywhere: the whole input", () => {
    const inner: Block = { stmts: [{ type: "CallDynamic", path: [], args: [0, 1], result: 2 }] };
    expect(inputPaths(policy([{ type: "Not", block: inner }]))).toBeUndefined();
  });

  it("a statement type it does not know: the whole input", () => {
    expect(inputPaths(policy([{ type: "Frobnicate" } as unknown as Stmt]))).toBeUndefined();
  });

  it("a call whose arguments do not match its callee's params: the whole input", () => {
    const p = policy([{ type: "Call", func: "f", args: [{ kind: "local", local: 0 }], result: 2 }]);
    p.funcs.push({ name: "f", path: ["f"], params: [0, 1], ret: 2, blocks: [] });
    expect(inputPaths(p)).toBeUndefined();
  });

  it("a local used as its own Dot source terminates, cut WHOLE at the length cap", () => {
    const trie = inputPaths(
      policy([
        { type: "AssignVar", source: { kind: "local", local: 0 }, target: 2 },
        { type: "Dot", source: { kind: "local", local: 2 }, key: { kind: "string", index: 0 }, target: 2 },
      ]),
    );
    expect(trie).toBeDefined();
    const list = inputPathList(trie!);
    expect(list).toEqual([{ path: Array(MAX_PATH_LENGTH).fill("a"), whole: true }]);
  });

  it("a With value holding input paths is whole; the With'd local keeps its own", () => {
    const trie = inputPaths(
      policy(
        [
          { type: "Dot", source: { kind: "local", local: 0 }, key: { kind: "string", index: 0 }, target: 2 },
          { type: "AssignVar", source: { kind: "local", local: 0 }, target: 3 },
          {
            type: "With",
            local: 3,
            path: [1],
            value: { kind: "local", local: 2 },
            block: {
              stmts: [
                {
                  type: "Dot",
                  source: { kind: "local", local: 3 },
                  key: { kind: "string", index: 1 },
                  target: 4,
                },
              ],
            },
          },
        ],
        ["a", "b"],
      ),
    );
    expect(inputPathList(trie!)).toEqual([
      { path: ["a"], whole: true },
      { path: ["b"], whole: false },
    ]);
  });
});

describe("compileRego and the analysis", () => {
  it("an analysis that throws (a bug) never fails the compile: no inputPaths, the whole input", () => {
    const r = compileWith(
      {
        parseModule,
        checkModules,
        planPolicy: (program, eps) => {
          const policy = planPolicy(program, eps);
          const broken = { type: "Dot", source: null, key: null, target: 9 } as unknown as Stmt;
          policy.plans[0]!.blocks.push({ stmts: [broken] });
          return policy;
        },
        generateWasm: () => new Uint8Array([0]),
        nativeBuiltins: () => [],
      },
      [{ path: "t.rego", text: "package t\np := input.a" }],
      { entrypoints: ["t/p"] },
    );
    expect(r.wasm).toEqual(new Uint8Array([0]));
    expect(r.inputPaths).toBeUndefined();
  });
});
