import { describe, expect, it } from "vitest";
import type { Expr } from "../../src/rego/ast/types.js";
import { RegoCompileError } from "../../src/rego/errors.js";
import type { Block, Policy, Stmt } from "../../src/rego/ir/types.js";
import { planPolicy } from "../../src/rego/plan/index.js";
import { arr, assign, callExpr, eq, expr, LOC, num, obj, program, ref, rule, str, v } from "./ast.js";

function allStmts(policy: Policy): Stmt[] {
  const out: Stmt[] = [];
  const visit = (b: Block) => {
    for (const s of b.stmts) {
      out.push(s);
      if (s.type === "Block") s.blocks.forEach(visit);
      if (s.type === "Scan" || s.type === "Not" || s.type === "With") visit(s.block);
    }
  };
  for (const p of policy.plans) p.blocks.forEach(visit);
  for (const f of policy.funcs) f.blocks.forEach(visit);
  return out;
}

describe("planner IR structure", () => {
  it("plans one entrypoint per path and one func per rule", () => {
    const policy = planPolicy(program("a.b", [rule("allow", { value: num(1) })]), ["a/b/allow"]);
    expect(policy.plans.map((p) => p.name)).toEqual(["a/b/allow"]);
    expect(policy.funcs.map((f) => f.name)).toEqual(["g0.data.a.b.allow"]);
    expect(policy.funcs[0]!.params).toEqual([0, 1]);
    expect(allStmts(policy).some((s) => s.type === "ResultSetAdd")).toBe(true);
  });

  it("integers fitting i64 use MakeNumberInt, others MakeNumberRef with their text", () => {
    const policy = planPolicy(
      program("t", [
        rule("a", { value: num("9223372036854775807") }),
        rule("b", { value: num("9223372036854775808") }),
        rule("c", { value: num("1.5") }),
      ]),
      ["t"],
    );
    const stmts = allStmts(policy);
    const ints = stmts.filter((s) => s.type === "MakeNumberInt").map((s) => (s as { value: bigint }).value);
    expect(ints).toEqual([9223372036854775807n]);
    const refs = stmts
      .filter((s) => s.type === "MakeNumberRef")
      .map((s) => policy.static.strings[(s as { index: number }).index]);
    expect(refs).toEqual(["9223372036854775808", "1.5"]);
  });

  it("rejects entrypoints that name no rule or document, and functions", () => {
    const prog = program("t", [rule("p", { value: num(1) }), rule("f", { args: [v("x")], value: v("x") })]);
    expect(() => planPolicy(prog, ["t/nope"])).toThrow(RegoCompileError);
    expect(() => planPolicy(prog, ["t/f"])).toThrow(RegoCompileError);
    expect(() => planPolicy(prog, [""])).toThrow(RegoCompileError);
    expect(() => planPolicy(prog, ["t//p"])).toThrow(RegoCompileError);
    expect(planPolicy(prog, ["t/p/x", "t", "other/base"]).plans).toHaveLength(3);
  });

  it("iterates with Scan and uses AssignVarOnce for complete rules", () => {
    const policy = planPolicy(
      program("t", [rule("p", { value: v("x") }, [eq(v("x"), ref("input.xs", v("i")))])]),
      ["t/p"],
    );
    const types = allStmts(policy).map((s) => s.type);
    expect(types).toContain("Scan");
    expect(types).toContain("AssignVarOnce");
  });

  it("with on input becomes a With statement on a copy of the input local", () => {
    const e: Expr = {
      ...expr(ref("data.t.q")),
      with: [{ target: ref("input.a.b"), value: num(1), loc: LOC }],
    };
    const policy = planPolicy(program("t", [rule("q", {}, [expr(ref("input.a.b"))]), rule("p", {}, [e])]), [
      "t/p",
    ]);
    const w = allStmts(policy).find((s) => s.type === "With");
    expect(w).toBeDefined();
    if (w?.type !== "With") throw new Error("no With");
    expect(w.local).not.toBe(0);
    expect(w.path.map((i) => policy.static.strings[i])).toEqual(["a", "b"]);
  });

  it("a function mock plans the callee again in its own context", () => {
    const mocked: Expr = {
      ...expr(ref("data.t.q")),
      with: [{ target: ref("count"), value: num(7), loc: LOC }],
    };
    const policy = planPolicy(
      program("t", [
        rule("q", { value: v("n") }, [callExpr("count", arr(num(1)), v("n"))]),
        rule("p", {}, [mocked]),
        rule("r", {}, [expr(ref("data.t.q"))]),
      ]),
      ["t/p", "t/r"],
    );
    const names = policy.funcs.map((f) => f.name).sort();
    expect(names).toEqual(["g0.data.t.p", "g0.data.t.q", "g0.data.t.q#1", "g0.data.t.r"]);
    const calls = allStmts(policy)
      .filter((s) => s.type === "Call")
      .map((s) => (s as { func: string }).func);
    expect(calls).toContain("count");
  });

  it("with may not replace part of a rule's value", () => {
    const e: Expr = {
      ...expr(ref("data.t.p")),
      with: [{ target: ref("data.t.p.x"), value: num(1), loc: LOC }],
    };
    const prog = program("t", [rule("p", { value: obj([str("x"), num(0)]) }), rule("q", {}, [e])]);
    expect(() => planPolicy(prog, ["t/q"])).toThrow(RegoCompileError);
  });

  it("unsafe variables are compile errors, not crashes", () => {
    const prog = program("t", [rule("p", { value: v("x") }, [assign(v("y"), str("a"))])]);
    expect(() => planPolicy(prog, ["t/p"])).toThrow(RegoCompileError);
  });
});
