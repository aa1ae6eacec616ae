/** project / compileProjection (src/policy/projection.ts): what is kept, what is cut, what is refused. */
import { describe, expect, it } from "vitest";
import type { PolicyBundle } from "../../src/policy/bundle/types.js";
import { WasmPolicyEngine } from "../../src/policy/engine.js";
import { compileProjection, project } from "../../src/policy/projection.js";
import type { InputPath } from "../../src/rego/index.js";
import { echoPolicy } from "./fixture-wasm.js";

const P = (...entries: [string, boolean][]): InputPath[] =>
  entries.map(([p, whole]) => ({ path: p.split("."), whole }));

describe("compileProjection", () => {
  it("undefined for no list (a bundle built elsewhere): the whole input", () => {
    expect(compileProjection(undefined)).toBeUndefined();
  });

  it.each([
    ["the root itself whole", [{ path: [], whole: true }]],
    ["a non-array", { path: ["a"], whole: true }],
    ["a null entry", [null]],
    ["a path that is not a list", [{ path: "a", whole: false }]],
    ["a non-string key", [{ path: ["a", 1], whole: false }]],
  ])("refuses %s: whole input, never narrower", (_, paths) => {
    expect(compileProjection(paths as unknown as InputPath[])).toBeUndefined();
  });

  it("an entry without an explicit whole: false keeps its value whole", () => {
    const p = compileProjection([{ path: ["a"] } as unknown as InputPath]);
    expect(project({ a: { b: 1 }, c: 2 }, p)).toEqual({ a: { b: 1 } });
  });

  it("an empty list keeps nothing of an object input", () => {
    expect(project({ a: 1 }, compileProjection([]))).toEqual({});
  });
});

describe("project", () => {
  const p = compileProjection(P(["a.b", true], ["a.c", false], ["d", true], ["e.f.g", true]));

  it("keeps only the listed keys that exist, projecting below them", () => {
    const input = {
      a: { b: { x: 1 }, c: { y: 2 }, z: 3 },
      d: [1, { q: 1 }],
      e: { f: { g: 0, h: 1 } },
      w: "cut",
    };
    expect(project(input, p)).toEqual({ a: { b: { x: 1 }, c: {} }, d: [1, { q: 1 }], e: { f: { g: 0 } } });
  });

  it("a WHOLE path keeps the same value (no copy)", () => {
    const b = { x: { deep: true } };
    const out = project({ a: { b } }, p) as { a: { b: unknown } };
    expect(out.a.b).toBe(b);
  });

  it("missing keys stay missing; false, null, 0 and empty strings are kept", () => {
    expect(project({ a: { b: false, c: null } }, p)).toEqual({ a: { b: false, c: null } });
    expect(project({ a: { c: 0 }, d: "" }, p)).toEqual({ a: { c: 0 }, d: "" });
    expect(project({}, p)).toEqual({});
  });

  it("arrays, scalars and null are kept as they are, at any level", () => {
    const arr = [{ b: 1, secret: 2 }];
    expect(project({ a: arr }, p)).toEqual({ a: arr });
    expect(project([1, 2], p)).toEqual([1, 2]);
    expect(project("x", p)).toBe("x");
    expect(project(null, p)).toBeNull();
    expect(project({ e: { f: 7 } }, p)).toEqual({ e: { f: 7 } });
  });

  it("objects JSON.stringify would not serialize as plain data are kept whole", () => {
    class Box {
      a = { b: 1, other: 2 };
    }
    const box = new Box();
    expect(project(box, p)).toBe(box);
    const withToJSON = { a: { b: 1 }, w: 2, toJSON: () => "custom" };
    expect(project(withToJSON, p)).toBe(withToJSON);
    const date = new Date(0);
    expect(project({ d: 1, a: date }, p)).toEqual({ d: 1, a: date });
  });

  it("reads own enumerable properties only, like JSON.stringify", () => {
    const proto = { d: "inherited" };
    const child = Object.create(proto) as Record<string, unknown>;
    expect(project(Object.assign(Object.create(null), { d: 1 }), p)).toEqual({ d: 1 });
    const hidden = {};
    Object.defineProperty(hidden, "d", { value: 1, enumerable: false });
    expect(JSON.stringify(project(hidden, p))).toBe("{}");
    // An object with a prototype other than Object.prototype or null is kept as it is.
    expect(project(child, p)).toBe(child);
  });

  it("a __proto__ key is an own property of the result, never its prototype", () => {
    const q = compileProjection(P(["__proto__.x", true]));
    const input = JSON.parse('{"__proto__": {"x": 1, "y": 2}, "z": 3}');
    const out = project(input, q) as object;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(JSON.stringify(out)).toBe('{"__proto__":{"x":1}}');
  });

  it("JSON text of the projection equals the whole input's at every listed path", () => {
    const input = { a: { b: [1, "two", null], c: { k: 1 } }, d: { nested: { x: [true] } }, other: 1 };
    const out = JSON.parse(JSON.stringify(project(input, p)));
    expect(out.a.b).toEqual(input.a.b);
    expect(out.d).toEqual(input.d);
    expect(out.other).toBeUndefined();
  });
});

describe("WasmPolicyEngine applies a bundle's inputPaths", () => {
  // test/echo returns input.decision; the list below is narrower than that on purpose, so that the
  // decision shows what the module was given.
  const bundle = (inputPaths?: InputPath[]): PolicyBundle => ({
    wasm: echoPolicy(),
    data: {},
    revision: "r1",
    entrypoints: ["test/echo", "test/data", "test/builtin"],
    manifest: { revision: "r1", roots: [""], wasm: [] },
    sources: [],
    ...(inputPaths ? { inputPaths } : {}),
  });
  const start = (b: PolicyBundle) =>
    WasmPolicyEngine.start({
      source: { description: "test", watchPaths: [], load: async () => b },
      entrypoint: "test/echo",
      extraBuiltins: { "custom.fail": (x: unknown) => x },
    });
  const input = { decision: { allowed: false, body: "from the whole input" }, other: 1 };

  it("with a list, the module gets only the listed paths", async () => {
    const engine = await start(bundle(P(["decision.allowed", true])));
    const out = engine.evaluate(input);
    expect(out).toMatchObject({ kind: "decision", decision: { allowed: false } });
    expect(out.kind === "decision" && out.decision.body).toBeFalsy();
  });

  it("without a list (a tar.gz bundle), the module gets the whole input", async () => {
    const engine = await start(bundle());
    expect(engine.evaluate(input)).toMatchObject({
      kind: "decision",
      decision: { allowed: false, body: "from the whole input" },
    });
  });
});
