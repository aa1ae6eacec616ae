/**
 * One Func per document node and `with` context: a complete rule's value (incremental
 * definitions, else chains, default), a partial set, a function, or the object of a prefix
 * node (its dynamic ref-head rules, its children and the base data at its path).
 */
import type { Rule, Term } from "../ast/types.js";
import type { Func, Local, Location, Operand } from "../ir/types.js";
import { BodyPlanner, type PlanHost } from "./body.js";
import { type DocNode, type DynamicRule, setElement } from "./doc-tree.js";
import { planError } from "./errors.js";
import { FuncBuilder, localOp } from "./ir-builder.js";
import type { MockCtx } from "./mocks.js";

const TRUE: Term = { type: "boolean", value: true, loc: { file: "", row: 0, col: 0 } };

export function generateNodeFunc(host: PlanHost, node: DocNode, ctx: MockCtx, func: Func): void {
  const arity = node.ownKind === "function" ? (node.own[0]?.head.args?.length ?? 0) : 0;
  const params: Local[] = [0, 1];
  for (let i = 0; i < arity; i++) params.push(2 + i);
  const slots: Local[] = [];
  for (let i = 0; i < ctx.slots; i++) slots.push(2 + arity + i);
  params.push(...slots);
  const fb = new FuncBuilder(params.length);
  const ret = fb.local();
  const bp = new BodyPlanner(host, fb, { input: 0, data: 1, ctx, slots });
  switch (node.ownKind) {
    case "complete":
      planValueRules(bp, node.own, ret, undefined);
      break;
    case "function": {
      const paramTerms = params.slice(2, 2 + arity).map((p) => bp.localTerm(p, node.own[0]!.loc));
      planValueRules(bp, node.own, ret, paramTerms);
      break;
    }
    case "set":
      fb.emit({ type: "MakeSet", target: ret });
      for (const rule of node.own) {
        fb.subBlock(() =>
          bp.planBody(rule.body, () =>
            bp.planTerm(setElement(rule), (value) => fb.emit({ type: "SetAdd", value, set: ret })),
          ),
        );
      }
      break;
    default:
      planObjectNode(bp, node, ret);
  }
  fb.emit({ type: "ReturnLocal", source: ret });
  func.params = params;
  func.ret = ret;
  func.blocks = [fb.root];
}

function ruleValue(rule: Rule): Term {
  return rule.head.value ?? TRUE;
}

/** Complete rules and functions: each definition (with its else chain) assigns ret once. */
function planValueRules(bp: BodyPlanner, rules: Rule[], ret: Local, params: Term[] | undefined): void {
  const fb = bp.fb;
  const pb = bp.host.pb;
  let defaultRule: Rule | undefined;
  for (const rule of rules) {
    if (rule.default) {
      defaultRule = rule;
      continue;
    }
    const loc = pb.loc(rule.head.loc);
    if (!rule.else) {
      fb.subBlock(() =>
        bindArgs(bp, rule, params, () =>
          bp.planBody(rule.body, () =>
            bp.planTerm(ruleValue(rule), (source) =>
              fb.emit({ type: "AssignVarOnce", source, target: ret, loc }),
            ),
          ),
        ),
      );
      continue;
    }
    const chainRet = fb.local();
    fb.emit({ type: "ResetLocal", target: chainRet });
    for (let r: Rule | undefined = rule; r; r = r.else) {
      const element = r;
      const eloc = pb.loc(element.head.loc);
      fb.subBlock(() => {
        fb.emit({ type: "IsUndefined", source: chainRet });
        bindArgs(
          bp,
          element,
          params,
          () =>
            bp.planBody(element.body, () =>
              bp.planTerm(ruleValue(element), (source) =>
                fb.emit({ type: "AssignVarOnce", source, target: chainRet, loc: eloc }),
              ),
            ),
          rule,
        );
      });
    }
    fb.subBlock(() => {
      fb.emit({ type: "IsDefined", source: chainRet });
      fb.emit({ type: "AssignVarOnce", source: localOp(chainRet), target: ret, loc });
    });
  }
  if (defaultRule) {
    const rule = defaultRule;
    fb.subBlock(() => {
      fb.emit({ type: "IsUndefined", source: ret });
      bindArgs(bp, rule, params, () =>
        bp.planBody(rule.body, () =>
          bp.planTerm(ruleValue(rule), (source) => fb.emit({ type: "AssignVar", source, target: ret })),
        ),
      );
    });
  }
}

function bindArgs(
  bp: BodyPlanner,
  rule: Rule,
  params: Term[] | undefined,
  k: () => void,
  chainHead?: Rule,
): void {
  if (!params) {
    k();
    return;
  }
  const args = rule.head.args ?? chainHead?.head.args ?? [];
  if (args.length !== params.length) throw planError("function arity mismatch", rule.loc);
  const step = (i: number): void => {
    if (i === args.length) k();
    else bp.unify(args[i]!, params[i]!, () => step(i + 1));
  };
  step(0);
}

function planObjectNode(bp: BodyPlanner, node: DocNode, ret: Local): void {
  const fb = bp.fb;
  const pb = bp.host.pb;
  fb.emit({ type: "MakeObject", target: ret });
  for (const [name, child] of node.children) {
    if (child.ownKind === "function") continue;
    fb.subBlock(() => {
      const value = bp.nodeValue(child);
      fb.emit({ type: "ObjectInsert", key: pb.stringOperand(name), value: localOp(value), object: ret });
    });
  }
  for (const d of node.dynamic) {
    fb.subBlock(() => bp.planBody(d.rule.body, () => insertDynamic(bp, ret, d, node.children.size > 0)));
  }
  fb.subBlock(() => {
    const base = bp.baseChain(node.path);
    fb.emit({ type: "IsObject", source: localOp(base) });
    const merged = fb.local();
    fb.emit({ type: "ObjectMerge", a: ret, b: base, target: merged });
    fb.emit({ type: "AssignVar", source: localOp(merged), target: ret });
  });
}

/** Inserts a ref-head rule's value (or set element) at its dynamic path below the node. */
function insertDynamic(bp: BodyPlanner, obj: Local, d: DynamicRule, mayShare: boolean): void {
  const fb = bp.fb;
  const pb = bp.host.pb;
  const loc = pb.loc(d.rule.head.loc);
  const keys: Operand[] = [];
  const step = (i: number): void => {
    if (i < d.suffix.length) {
      bp.planTerm(d.suffix[i]!, (op) => {
        keys.push(op);
        step(i + 1);
        keys.pop();
      });
      return;
    }
    const leaf = d.set ? setElement(d.rule) : ruleValue(d.rule);
    bp.planTerm(leaf, (value) => {
      let cur = obj;
      const containers = d.set ? keys : keys.slice(0, -1);
      containers.forEach((key, idx) => {
        const makeSet = d.set && idx === containers.length - 1;
        cur = getOrCreate(bp, cur, key, makeSet, mayShare, loc);
      });
      if (d.set) fb.emit({ type: "SetAdd", value, set: cur, loc });
      else fb.emit({ type: "ObjectInsertOnce", key: keys[keys.length - 1]!, value, object: cur, loc });
    });
  };
  step(0);
}

/**
 * The container at obj[key], created when missing. An existing value that is not a container
 * makes ObjectInsertOnce raise the conflict error (OPA: object keys must be unique). When the
 * object may hold values of other documents (`mayShare`: a static rule's value, possibly base
 * data), an existing object is copied before it is extended, so that no shared value changes.
 */
function getOrCreate(
  bp: BodyPlanner,
  obj: Local,
  key: Operand,
  set: boolean,
  mayShare: boolean,
  loc?: Location,
): Local {
  const fb = bp.fb;
  const next = fb.local();
  const existing = fb.local();
  fb.emit({ type: "ResetLocal", target: next });
  fb.subBlock(() => {
    fb.emit({ type: "Dot", source: localOp(obj), key, target: existing });
    if (set) {
      fb.emit({ type: "IsSet", source: localOp(existing) });
      fb.emit({ type: "AssignVar", source: localOp(existing), target: next });
      return;
    }
    fb.emit({ type: "IsObject", source: localOp(existing) });
    if (!mayShare) {
      fb.emit({ type: "AssignVar", source: localOp(existing), target: next });
      return;
    }
    const empty = fb.local();
    fb.emit({ type: "MakeObject", target: empty });
    fb.emit({ type: "ObjectMerge", a: existing, b: empty, target: next });
    fb.emit({ type: "ObjectInsert", key, value: localOp(next), object: obj });
  });
  fb.subBlock(() => {
    fb.emit({ type: "IsUndefined", source: next });
    fb.emit(set ? { type: "MakeSet", target: next } : { type: "MakeObject", target: next });
    fb.emit({ type: "ObjectInsertOnce", key, value: localOp(next), object: obj, loc });
  });
  return next;
}

export function nodeFuncName(node: DocNode, ctxIndex: number): string {
  const base = `g0.data.${node.path.join(".")}`;
  return ctxIndex === 0 ? base : `${base}#${ctxIndex}`;
}
