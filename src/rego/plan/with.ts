/**
 * `with` modifiers: input and data targets become With statements on copies of the input and
 * data locals (the expression sees the replacement, the rest of the body does not); function
 * and builtin targets are replaced at plan time through the mock context, so that the rules the
 * expression reaches are planned again in that context (as OPA does).
 */
import type { Expr, Location, Term, With } from "../ast/types.js";
import type { Local, Operand } from "../ir/types.js";
import { type BodyPlanner, type Env, FALSE, type K } from "./body.js";
import { builtinArity } from "./builtin-arity.js";
import type { DocNode } from "./doc-tree.js";
import { operatorName, planError } from "./errors.js";
import { localOp } from "./ir-builder.js";
import { withDataPath, withFnMock, withFnSlot } from "./mocks.js";
import { isConstant } from "./terms.js";

/** Plans `expr` under its `with` modifiers; `k` (the rest of the body) sees none of them. */
export function planWith(bp: BodyPlanner, expr: Expr, k: K): void {
  const outer = bp.env;
  const values: Operand[] = [];
  const evalValues = (i: number): void => {
    if (i === expr.with.length) {
      applyWiths(bp, expr, values, outer, k);
      return;
    }
    const w = expr.with[i]!;
    if (isConstant(w.value) && withFnName(bp, w) !== undefined) {
      values.push(FALSE); // placeholder: constant function replacements are inlined
      evalValues(i + 1);
      return;
    }
    if (withFnName(bp, w) !== undefined && functionRefName(bp, w.value) !== undefined) {
      values.push(FALSE);
      evalValues(i + 1);
      return;
    }
    bp.planTerm(w.value, (op) => {
      values.push(op);
      evalValues(i + 1);
      values.pop();
    });
  };
  evalValues(0);
}

/** The function name a `with` target replaces, or undefined for input/data targets. */
function withFnName(bp: BodyPlanner, w: With): string | undefined {
  const name = operatorName(w.target);
  if (name === undefined) return undefined;
  if (name === "input" || name.startsWith("input.")) return undefined;
  if (name === "data" || name.startsWith("data.")) {
    const node = bp.nodeAt(name.split(".").slice(1));
    return node?.ownKind === "function" ? name : undefined;
  }
  return name;
}

/** The name of a function a `with` value refers to, when it is one. */
function functionRefName(bp: BodyPlanner, t: Term): string | undefined {
  const name = operatorName(t);
  if (name === undefined) return undefined;
  if (name.startsWith("data.")) {
    const node = bp.nodeAt(name.split(".").slice(1));
    return node?.ownKind === "function" ? name : undefined;
  }
  if (t.type === "var" && bp.isBound(t.name)) return undefined;
  if (t.type === "ref" && t.terms[0]?.type === "var" && bp.isBound(t.terms[0].name)) return undefined;
  if (name === "input" || name.startsWith("input.")) return undefined;
  return builtinArity(name) !== undefined || name.includes(".") || t.type === "var" ? name : undefined;
}

function applyWiths(bp: BodyPlanner, expr: Expr, values: Operand[], outer: Env, k: K): void {
  let env: Env = { ...outer };
  let inputCopy: Local | undefined;
  let dataCopy: Local | undefined;
  const wraps: { local: Local; path: number[]; value: Operand; loc: Location }[] = [];
  expr.with.forEach((w, i) => {
    const fn = withFnName(bp, w);
    if (fn !== undefined) {
      const target = functionRefName(bp, w.value);
      if (target !== undefined) {
        env = { ...env, ctx: withFnMock(env.ctx, fn, { kind: "func", target }) };
      } else if (isConstant(w.value)) {
        env = { ...env, ctx: withFnMock(env.ctx, fn, { kind: "value", term: w.value }) };
      } else {
        const local = bp.toLocal(values[i]!);
        env = { ...env, ctx: withFnSlot(env.ctx, fn), slots: [...env.slots, local] };
      }
      return;
    }
    const path = withPath(w);
    if (path.root === "input") {
      if (inputCopy === undefined) {
        inputCopy = bp.fb.local();
        bp.fb.emit({ type: "AssignVar", source: localOp(outer.input), target: inputCopy });
        env = { ...env, input: inputCopy };
      }
      wraps.push({
        local: inputCopy,
        path: path.keys.map((s) => bp.host.pb.string(s)),
        value: values[i]!,
        loc: w.loc,
      });
    } else {
      if (dataCopy === undefined) {
        dataCopy = bp.fb.local();
        bp.fb.emit({ type: "AssignVar", source: localOp(outer.data), target: dataCopy });
        env = { ...env, data: dataCopy };
      }
      checkDataTarget(bp, path.keys, w.loc);
      env = { ...env, ctx: withDataPath(env.ctx, path.keys) };
      wraps.push({
        local: dataCopy,
        path: path.keys.map((s) => bp.host.pb.string(s)),
        value: values[i]!,
        loc: w.loc,
      });
    }
  });
  const inner = (j: number): void => {
    if (j === wraps.length) {
      bp.env = env;
      try {
        bp.planExprNoWith(expr, () => {
          const saved = bp.env;
          bp.env = outer;
          try {
            k();
          } finally {
            bp.env = saved;
          }
        });
      } finally {
        bp.env = outer;
      }
      return;
    }
    const w = wraps[j]!;
    const block = { stmts: [] };
    bp.fb.inBlock(block, () => inner(j + 1));
    bp.fb.emit({
      type: "With",
      local: w.local,
      path: w.path,
      value: w.value,
      block,
      loc: bp.host.pb.loc(w.loc),
    });
  };
  inner(0);
}

/** A data target may replace whole documents, not part of a rule's value. */
function checkDataTarget(bp: BodyPlanner, keys: string[], loc: Location): void {
  let node: DocNode | undefined = bp.host.root;
  for (const key of keys) {
    if (node.own.length > 0 || node.dynamic.length > 0) {
      throw planError("with keyword cannot partially replace virtual document(s)", loc);
    }
    node = node.children.get(key);
    if (!node) return;
  }
}

function withPath(w: With): { root: "input" | "data"; keys: string[] } {
  const t = w.target;
  const terms = t.type === "ref" ? t.terms : [t];
  const head = terms[0];
  if (head?.type !== "var" || (head.name !== "input" && head.name !== "data")) {
    throw planError("with target must be input, data or a function", w.loc);
  }
  const keys: string[] = [];
  for (const key of terms.slice(1)) {
    if (key.type !== "string") throw planError("with target path must be made of strings", w.loc);
    keys.push(key.value);
  }
  return { root: head.name, keys };
}
