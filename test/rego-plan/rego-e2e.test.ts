/**
 * End to end from Rego source: parse -> check -> plan -> generateWasm -> @open-policy-agent/opa-wasm.
 * Each case states OPA's answer; evaluation happens only inside the Wasm module.
 */
import { loadPolicy } from "@open-policy-agent/opa-wasm";
import { describe, expect, it } from "vitest";
import { checkModules } from "../../src/rego/check/index.js";
import { planPolicy } from "../../src/rego/plan/index.js";
import { parseModule } from "../../src/rego/syntax/index.js";
import { generateWasm } from "../../src/rego/wasm/index.js";

interface Case {
  name: string;
  rego: string[];
  entrypoint: string;
  input?: unknown;
  data?: unknown;
  /** undefined: the entrypoint is undefined; "error": evaluation fails (conflict). */
  want: unknown;
}

async function run(c: Case): Promise<unknown> {
  const modules = c.rego.map((text, i) => parseModule({ path: `m${i}.rego`, text }));
  const policy = planPolicy(checkModules(modules), [c.entrypoint]);
  const loaded = await loadPolicy(generateWasm(policy));
  if (c.data !== undefined) loaded.setData(c.data as object);
  const rs = loaded.evaluate(c.input, c.entrypoint) as { result: unknown }[];
  return rs.length === 0 ? undefined : rs[0]!.result;
}

const CASES: Case[] = [
  {
    name: "complete rule with default",
    rego: ['package t\ndefault allow := false\nallow if input.user == "alice"'],
    entrypoint: "t/allow",
    input: { user: "bob" },
    want: false,
  },
  {
    name: "incremental definitions agree",
    rego: ["package t\np := 1 if input.a\np := 1 if input.b"],
    entrypoint: "t/p",
    input: { a: true, b: true },
    want: 1,
  },
  {
    name: "incremental definitions conflict",
    rego: ["package t\np := 1 if input.a\np := 2 if input.b"],
    entrypoint: "t/p",
    input: { a: true, b: true },
    want: "error",
  },
  {
    name: "else chain picks the first matching branch",
    rego: ['package t\np := "big" if input.n > 10\nelse := "mid" if input.n > 5\nelse := "small"'],
    entrypoint: "t/p",
    input: { n: 7 },
    want: "mid",
  },
  {
    name: "partial set with iteration and not",
    rego: ["package t\nbad contains u if {\n  some u in input.users\n  not u in input.allowed\n}"],
    entrypoint: "t/bad",
    input: { users: ["a", "b", "c"], allowed: ["b"] },
    want: ["a", "c"],
  },
  {
    name: "partial object from an object comprehension and ref head",
    rego: ['package t\nroles[name] := r if {\n  some name, r in input.m\n  r != "none"\n}'],
    entrypoint: "t/roles",
    input: { m: { a: "admin", b: "none", c: "dev" } },
    want: { a: "admin", c: "dev" },
  },
  {
    name: "functions with several definitions and destructuring",
    rego: [
      'package t\nkind([x, _]) := "pair" if is_number(x)\nkind(x) := "str" if is_string(x)\np := [kind([1, 2]), kind("s")]',
    ],
    entrypoint: "t/p",
    want: ["pair", "str"],
  },
  {
    name: "every over a collection",
    rego: ["package t\nok if every x in input.xs { x > 0 }"],
    entrypoint: "t/ok",
    input: { xs: [1, 2, 0] },
    want: undefined,
  },
  {
    name: "every with a nested some",
    rego: ['package t\nok if every c in input.cs {\n  some p in ["a/", "b/"]\n  startswith(c, p)\n}'],
    entrypoint: "t/ok",
    input: { cs: ["a/x", "c/y"] },
    want: undefined,
  },
  {
    name: "with replaces input and a builtin",
    rego: [
      'package t\nq if input.user == "alice"\nn := count(input.xs)\np := [b, c] if {\n  b := q with input.user as "alice"\n  c := n with count as 9\n}',
    ],
    entrypoint: "t/p",
    input: { user: "bob", xs: [1] },
    want: [true, 9],
  },
  {
    name: "with replaces a virtual document",
    rego: ["package t\nlimit := 1\nover if input.n > limit\np if over with data.t.limit as 100"],
    entrypoint: "t/p",
    input: { n: 5 },
    want: undefined,
  },
  {
    name: "package document merges rules and base data",
    rego: ["package t\na := 1\nb.c := 2"],
    entrypoint: "t",
    data: { t: { base: true } },
    want: { a: 1, b: { c: 2 }, base: true },
  },
  {
    name: "iteration over rule results",
    rego: ['package t\ns contains x if some x in ["a", "b"]\np := {y | s[y]; y != "a"}'],
    entrypoint: "t/p",
    want: ["b"],
  },
  {
    name: "comprehensions of each kind",
    rego: [
      "package t\np := [[x | some x in input.xs], {x | some x in input.xs}, {x: 1 | some x in input.xs}]",
    ],
    entrypoint: "t/p",
    input: { xs: ["b", "a", "b"] },
    want: [["b", "a", "b"], ["a", "b"], { a: 1, b: 1 }],
  },
  {
    name: "big integers and floats keep their value",
    rego: ["package t\np := [12345678901234567890 + 1 == 12345678901234567891, 1.5 * 2, -3]"],
    entrypoint: "t/p",
    want: [true, 3, -3],
  },
  {
    name: "function else chain and default function",
    rego: [
      "package t\nf(x) := 1 if x > 1\nelse := 2\ndefault g(_) := 0\ng(x) := x if x > 5\np := [f(5), f(0), g(1), g(9)]",
    ],
    entrypoint: "t/p",
    want: [1, 2, 0, 9],
  },
  {
    name: "set membership lookup and negated function call",
    rego: [
      'package t\ns contains x if some x in input.xs\nneg(x) if x < 0\np if {\n  s["a"]\n  not s["z"]\n  not neg(1)\n}',
    ],
    entrypoint: "t/p",
    input: { xs: ["a", "b"] },
    want: true,
  },
  {
    name: "object and array patterns bind variables",
    rego: ['package t\np := [a, b] if {\n  {"k": a, "n": [_, b]} = input.o\n}'],
    entrypoint: "t/p",
    input: { o: { k: "v", n: [1, 2] } },
    want: ["v", 2],
  },
  {
    name: "with applies to its expression only",
    rego: [
      "package t\nv := input.x\np := [a, b, c] if {\n  a := v with input.x as 1\n  b := v\n  c := input.x\n}",
    ],
    entrypoint: "t/p",
    input: { x: 2 },
    want: [1, 2, 2],
  },
  {
    name: "with replaces a user function",
    rego: ["package t\nf(x) := x + 1\ng(x) := x * 10\nq := f(1)\np := y if y := q with f as g"],
    entrypoint: "t/p",
    want: 10,
  },
];

describe("planner: Rego source end to end through the real Wasm", () => {
  for (const c of CASES) {
    it(c.name, async () => {
      if (c.want === "error") await expect(run(c)).rejects.toThrow();
      else expect(await run(c)).toEqual(c.want);
    });
  }
});

describe("planner: ref-head rules never modify shared values", () => {
  it("extending a static rule's object value leaves base data unchanged", async () => {
    const text = 'package t\np.a := data.x\np[k].r := 1 if k := "a"';
    const policy = planPolicy(checkModules([parseModule({ path: "m.rego", text })]), ["t/p", "x"]);
    const loaded = await loadPolicy(generateWasm(policy));
    loaded.setData({ x: { y: 1 } });
    expect(loaded.evaluate({}, "t/p")).toEqual([{ result: { a: { y: 1, r: 1 } } }]);
    expect(loaded.evaluate({}, "x")).toEqual([{ result: { y: 1 } }]);
    expect(loaded.evaluate({}, "t/p")).toEqual([{ result: { a: { y: 1, r: 1 } } }]);
  });
});
