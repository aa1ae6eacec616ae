/**
 * Lowers rule bodies, expressions and terms to IR statements, in continuation-passing style:
 * each construct emits its statements into the current block and calls its continuation where
 * the rest of the body goes. A Scan puts the rest of the body inside its block, so failing
 * there moves on to the next element (backtracking); a failing statement anywhere exits the
 * innermost block, which skips the rest of the body.
 */
import type { Body, Expr, Location, Term } from "../ast/types.js";
import type { Local, Operand } from "../ir/types.js";
import { builtinArity, isRelation } from "./builtin-arity.js";
import { type DocNode, findNode } from "./doc-tree.js";
import { operatorName, planError } from "./errors.js";
import { type FuncBuilder, type PolicyBuilder, localOp } from "./ir-builder.js";
import { type MockCtx, isDataMocked, withoutFnMocks } from "./mocks.js";
import { constKey, isConstant } from "./terms.js";
import { planWith } from "./with.js";

export interface Env {
  input: Local;
  data: Local;
  ctx: MockCtx;
  /** Values of the context's slots (function replacements computed at run time). */
  slots: Local[];
}

/** What the body planner needs from the policy-level planner. */
export interface PlanHost {
  readonly pb: PolicyBuilder;
  readonly root: DocNode;
  /** Name of the Func computing `node`'s whole value (or the function) in `ctx`. */
  nodeFunc(node: DocNode, ctx: MockCtx): string;
}

export type K = () => void;
type KOp = (op: Operand) => void;
type KLocal = (local: Local) => void;

export const FALSE: Operand = { kind: "bool", value: false };
const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;

export class BodyPlanner {
  private readonly scope = new Map<string, Local>();
  private synth = 0;

  constructor(
    readonly host: PlanHost,
    readonly fb: FuncBuilder,
    public env: Env,
  ) {}

  // ---------------------------------------------------------------- scope

  isBound(name: string): boolean {
    return this.scope.has(name);
  }

  private bind(name: string, local: Local, k: K): void {
    const prev = this.scope.get(name);
    this.scope.set(name, local);
    try {
      k();
    } finally {
      if (prev === undefined) this.scope.delete(name);
      else this.scope.set(name, prev);
    }
  }

  /** A var term permanently bound to `local` (for unifying terms with computed values). */
  localTerm(local: Local, loc: Location): Term {
    const name = `$$plan${this.synth++}`;
    this.scope.set(name, local);
    return { type: "var", name, loc };
  }

  private isRootVar(t: Term): boolean {
    return t.type === "var" && (t.name === "input" || t.name === "data") && !this.scope.has(t.name);
  }

  /** True when `t` is a var not bound yet (a pattern position that will bind it). */
  private isUnboundVar(t: Term): boolean {
    return t.type === "var" && !this.scope.has(t.name) && !this.isRootVar(t);
  }

  /** True when the composite term `t` contains vars that unification must bind. */
  private hasUnbound(t: Term): boolean {
    switch (t.type) {
      case "var":
        return this.isUnboundVar(t);
      case "array":
        return t.items.some((i) => this.hasUnbound(i));
      case "object":
        return t.items.some(([key, v]) => this.hasUnbound(key) || this.hasUnbound(v));
      default:
        return false;
    }
  }

  // ---------------------------------------------------------------- bodies

  planBody(body: Body, k: K): void {
    const step = (i: number): void => {
      if (i === body.length) k();
      else this.planExpr(body[i]!, () => step(i + 1));
    };
    step(0);
  }

  private planExpr(expr: Expr, k: K): void {
    if (expr.with.length > 0) planWith(this, expr, k);
    else this.planExprNoWith(expr, k);
  }

  planExprNoWith(expr: Expr, k: K): void {
    if (expr.negated) {
      this.planNot((inner) => this.planExprKind(expr, inner), expr.loc);
      k();
    } else {
      this.planExprKind(expr, k);
    }
  }

  private planExprKind(expr: Expr, k: K): void {
    const kind = expr.kind;
    switch (kind.type) {
      case "term": {
        const t = kind.term;
        if (t.type === "call") {
          this.planCallExpr(t.op, t.args, expr.loc, k);
          return;
        }
        this.planTerm(t, (op) => {
          this.fb.emit({ type: "NotEqual", a: op, b: FALSE });
          k();
        });
        return;
      }
      case "call":
        this.planCallExpr(kind.op, kind.args, expr.loc, k);
        return;
      case "some":
        k();
        return;
      case "somein":
        this.planTermLocal(kind.domain, (src) => this.scanInto(src, kind.key, kind.value, expr.loc, k));
        return;
      case "every":
        this.planEvery(kind.key, kind.value, kind.domain, kind.body, expr.loc, k);
        return;
    }
  }

  private scanInto(src: Local, keyT: Term | undefined, valueT: Term, loc: Location, k: K): void {
    const key = this.fb.local();
    const value = this.fb.local();
    const block = { stmts: [] };
    this.fb.inBlock(block, () => {
      const bindValue = () => this.unify(valueT, this.localTerm(value, loc), k);
      if (keyT) this.unify(keyT, this.localTerm(key, loc), bindValue);
      else bindValue();
    });
    this.fb.emit({ type: "Scan", source: src, key, value, block, loc: this.host.pb.loc(loc) });
  }

  /**
   * every: the domain must be defined and a collection; then no element may make the body
   * fail (a Not over a Scan whose body is negated).
   */
  private planEvery(
    keyT: Term | undefined,
    valueT: Term,
    domain: Term,
    body: Body,
    loc: Location,
    k: K,
  ): void {
    this.planTermLocal(domain, (src) => {
      this.requireCollection(src);
      const found = this.fb.local();
      const outer = { stmts: [] };
      this.fb.inBlock(outer, () => {
        this.fb.emit({ type: "ResetLocal", target: found });
        const key = this.fb.local();
        const value = this.fb.local();
        const scanBlock = { stmts: [] };
        this.fb.inBlock(scanBlock, () => {
          const inner = () => {
            this.planNot((done) => this.planBody(body, done), loc);
            this.fb.emit({ type: "AssignVar", source: { kind: "bool", value: true }, target: found });
          };
          const bindValue = () => this.unify(valueT, this.localTerm(value, loc), inner);
          if (keyT) this.unify(keyT, this.localTerm(key, loc), bindValue);
          else bindValue();
        });
        this.fb.emit({ type: "Scan", source: src, key, value, block: scanBlock });
        this.fb.emit({ type: "IsDefined", source: found });
      });
      this.fb.emit({ type: "Not", block: outer, loc: this.host.pb.loc(loc) });
      k();
    });
  }

  /**
   * Emits a Not that succeeds iff `plan` has no solution. A Scan completes even when no element
   * matched, so the solutions are recorded in a flag that the Not block tests at its end.
   */
  private planNot(plan: (k: K) => void, loc: Location): void {
    const found = this.fb.local();
    const block = { stmts: [] };
    this.fb.inBlock(block, () => {
      this.fb.emit({ type: "ResetLocal", target: found });
      plan(() => this.fb.emit({ type: "AssignVar", source: { kind: "bool", value: true }, target: found }));
      this.fb.emit({ type: "IsDefined", source: found });
    });
    this.fb.emit({ type: "Not", block, loc: this.host.pb.loc(loc) });
  }

  /** Fails unless `src` is an array, object or set. */
  private requireCollection(src: Local): void {
    const ok = this.fb.local();
    this.fb.emit({ type: "ResetLocal", target: ok });
    for (const type of ["IsArray", "IsObject", "IsSet"] as const) {
      this.fb.subBlock(() => {
        this.fb.emit({ type, source: localOp(src) });
        this.fb.emit({ type: "AssignVar", source: { kind: "bool", value: true }, target: ok });
      });
    }
    this.fb.emit({ type: "IsDefined", source: ok });
  }

  /** The document node at `path` below data, if the tree has one. */
  nodeAt(path: string[]): DocNode | undefined {
    return findNode(this.host.root, path);
  }

  // ---------------------------------------------------------------- calls

  private planCallExpr(op: Term, args: Term[], loc: Location, k: K): void {
    const name = operatorName(op);
    if (name === undefined) throw planError("call of a non-function", loc);
    if (name === "eq" || name === "assign") {
      if (args.length !== 2) throw planError(`${name}: expected 2 arguments`, loc);
      this.unify(args[0]!, args[1]!, k);
      return;
    }
    if (name === "print" || name === "internal.print") {
      k();
      return;
    }
    const arity = this.arityOf(name, args);
    const inputs = args.slice(0, arity);
    const out = args.length > arity ? args[arity] : undefined;
    if (args.length > arity + 1) throw planError(`${name}: too many arguments`, loc);
    const relation = isRelation(name) && !this.env.ctx.fns.has(name);
    this.planCall(name, inputs, loc, this.env.ctx, (result) => {
      if (relation) {
        // The runtime returns every output of a relation (walk) as one collection.
        const any: Term = { type: "var", name: `$$plan${this.synth++}`, loc };
        this.scanInto(result, undefined, out ?? any, loc, k);
        return;
      }
      if (out) {
        this.unify(out, this.localTerm(result, loc), k);
      } else {
        this.fb.emit({ type: "NotEqual", a: localOp(result), b: FALSE });
        k();
      }
    });
  }

  private arityOf(name: string, args: Term[]): number {
    if (name.startsWith("data.")) {
      const node = this.nodeAt(name.split(".").slice(1));
      const rule = node?.ownKind === "function" ? node.own[0] : undefined;
      if (rule?.head.args) return rule.head.args.length;
    }
    const known = builtinArity(name);
    if (known !== undefined) return known;
    const last = args[args.length - 1];
    return last && this.isUnboundVar(last) ? args.length - 1 : args.length;
  }

  /** Calls `name` (after replacements by `with`) with `args`; the result is defined. */
  private planCall(name: string, args: Term[], loc: Location, ctx: MockCtx, k: KLocal): void {
    const ops: Operand[] = [];
    const evalArgs = (i: number): void => {
      if (i < args.length) {
        this.planTerm(args[i]!, (op) => {
          ops.push(op);
          evalArgs(i + 1);
          ops.pop();
        });
        return;
      }
      this.emitCall(name, [...ops], loc, ctx, k);
    };
    evalArgs(0);
  }

  private emitCall(name: string, ops: Operand[], loc: Location, ctx: MockCtx, k: KLocal): void {
    const mock = ctx.fns.get(name);
    if (mock?.kind === "value") {
      this.planTermLocal(mock.term, k);
      return;
    }
    if (mock?.kind === "slot") {
      k(this.env.slots[mock.index]!);
      return;
    }
    if (mock?.kind === "func") {
      this.emitCall(mock.target, ops, loc, withoutFnMocks(ctx), k);
      return;
    }
    const result = this.fb.local();
    const irLoc = this.host.pb.loc(loc);
    if (name.startsWith("data.")) {
      const node = this.nodeAt(name.split(".").slice(1));
      if (node?.ownKind !== "function") throw planError(`undefined function ${name}`, loc);
      const func = this.host.nodeFunc(node, ctx);
      const args = [...this.baseArgs(ctx).slice(0, 2), ...ops, ...this.baseArgs(ctx).slice(2)];
      this.fb.emit({ type: "Call", func, args, result, loc: irLoc });
    } else {
      this.fb.emit({ type: "Call", func: name, args: ops, result, loc: irLoc });
    }
    this.fb.emit({ type: "IsDefined", source: result });
    k(result);
  }

  // ---------------------------------------------------------------- unification

  unify(a: Term, b: Term, k: K): void {
    if (this.isUnboundVar(a)) {
      if (this.isUnboundVar(b)) throw planError(`var ${(a as { name: string }).name} is unsafe`, a.loc);
      this.planTerm(b, (op) => this.bindOp(a, op, k));
      return;
    }
    if (this.isUnboundVar(b)) {
      this.planTerm(a, (op) => this.bindOp(b, op, k));
      return;
    }
    if (a.type === "array" && b.type === "array") {
      if (a.items.length !== b.items.length) {
        this.fb.fail();
        return;
      }
      this.unifyPairs(
        a.items.map((x, i) => [x, b.items[i]!]),
        k,
      );
      return;
    }
    if (a.type === "object" && b.type === "object" && this.objectKeysMatch(a, b) !== undefined) {
      const pairs = this.objectKeysMatch(a, b)!;
      if (pairs === false) {
        this.fb.fail();
        return;
      }
      this.unifyPairs(pairs, k);
      return;
    }
    if ((a.type === "array" || a.type === "object") && this.hasUnbound(a)) {
      this.destructure(a, b, k);
      return;
    }
    if ((b.type === "array" || b.type === "object") && this.hasUnbound(b)) {
      this.destructure(b, a, k);
      return;
    }
    this.planTerm(a, (oa) =>
      this.planTerm(b, (ob) => {
        this.fb.emit({ type: "Equal", a: oa, b: ob });
        k();
      }),
    );
  }

  private unifyPairs(pairs: [Term, Term][], k: K): void {
    // Unify pairs whose sides are not both patterns first, so that vars get bound before use.
    const step = (rest: [Term, Term][]): void => {
      if (rest.length === 0) {
        k();
        return;
      }
      const idx = rest.findIndex(([x, y]) => !(this.hasUnboundDeep(x) && this.hasUnboundDeep(y)));
      const i = Math.max(idx, 0);
      const [x, y] = rest[i]!;
      this.unify(x, y, () => step(rest.filter((_, j) => j !== i)));
    };
    step(pairs);
  }

  private hasUnboundDeep(t: Term): boolean {
    return this.hasUnbound(t);
  }

  /** Pairs of values for two object literals with constant keys; false when keys differ. */
  private objectKeysMatch(
    a: Extract<Term, { type: "object" }>,
    b: Extract<Term, { type: "object" }>,
  ): [Term, Term][] | false | undefined {
    if (!a.items.every(([key]) => isConstant(key)) || !b.items.every(([key]) => isConstant(key))) {
      return undefined;
    }
    if (a.items.length !== b.items.length) return false;
    const bByKey = new Map(b.items.map(([key, v]) => [constKey(key), v]));
    const pairs: [Term, Term][] = [];
    for (const [key, v] of a.items) {
      const other = bByKey.get(constKey(key));
      if (!other) return false;
      pairs.push([v, other]);
    }
    return pairs;
  }

  private destructure(pattern: Term, value: Term, k: K): void {
    this.planTermLocal(value, (src) => {
      const loc = pattern.loc;
      const n = this.fb.local();
      const len = this.fb.local();
      if (pattern.type === "array") {
        this.fb.emit({ type: "IsArray", source: localOp(src) });
        this.fb.emit({ type: "Len", source: localOp(src), target: len });
        this.fb.emit({ type: "MakeNumberInt", value: BigInt(pattern.items.length), target: n });
        this.fb.emit({ type: "Equal", a: localOp(len), b: localOp(n) });
        const step = (i: number): void => {
          if (i === pattern.items.length) {
            k();
            return;
          }
          const idx = this.fb.local();
          const elem = this.fb.local();
          this.fb.emit({ type: "MakeNumberInt", value: BigInt(i), target: idx });
          this.fb.emit({ type: "Dot", source: localOp(src), key: localOp(idx), target: elem });
          this.unify(pattern.items[i]!, this.localTerm(elem, loc), () => step(i + 1));
        };
        step(0);
        return;
      }
      if (pattern.type !== "object") throw planError("internal: bad destructuring pattern", loc);
      this.fb.emit({ type: "IsObject", source: localOp(src) });
      this.fb.emit({ type: "Len", source: localOp(src), target: len });
      this.fb.emit({ type: "MakeNumberInt", value: BigInt(pattern.items.length), target: n });
      this.fb.emit({ type: "Equal", a: localOp(len), b: localOp(n) });
      const step = (i: number): void => {
        if (i === pattern.items.length) {
          k();
          return;
        }
        const [keyT, valueT] = pattern.items[i]!;
        this.planTerm(keyT, (keyOp) => {
          const elem = this.fb.local();
          this.fb.emit({ type: "Dot", source: localOp(src), key: keyOp, target: elem });
          this.unify(valueT, this.localTerm(elem, loc), () => step(i + 1));
        });
      };
      step(0);
    });
  }

  private bindOp(v: Term, op: Operand, k: K): void {
    if (v.type !== "var") throw planError("internal: binding a non-var", v.loc);
    const local = this.fb.local();
    this.fb.emit({ type: "AssignVar", source: op, target: local });
    this.bind(v.name, local, k);
  }

  // ---------------------------------------------------------------- terms

  toLocal(op: Operand): Local {
    if (op.kind === "local") return op.local;
    const local = this.fb.local();
    this.fb.emit({ type: "AssignVar", source: op, target: local });
    return local;
  }

  planTermLocal(t: Term, k: KLocal): void {
    this.planTerm(t, (op) => k(this.toLocal(op)));
  }

  planTerm(t: Term, k: KOp): void {
    switch (t.type) {
      case "null": {
        const target = this.fb.local();
        this.fb.emit({ type: "MakeNull", target });
        k(localOp(target));
        return;
      }
      case "boolean":
        k({ kind: "bool", value: t.value });
        return;
      case "number":
        k(localOp(this.makeNumber(t.value)));
        return;
      case "string":
        k(this.host.pb.stringOperand(t.value));
        return;
      case "var": {
        const local = this.scope.get(t.name);
        if (local !== undefined) {
          k(localOp(local));
          return;
        }
        if (this.isRootVar(t)) {
          this.planRef({ type: "ref", terms: [t], loc: t.loc }, (l) => k(localOp(l)));
          return;
        }
        throw planError(`var ${t.name} is unsafe`, t.loc);
      }
      case "ref":
        this.planRef(t, (l) => k(localOp(l)));
        return;
      case "array":
        this.planItems(t.items, (ops) => {
          const target = this.fb.local();
          this.fb.emit({ type: "MakeArray", capacity: ops.length, target });
          for (const value of ops) this.fb.emit({ type: "ArrayAppend", value, array: target });
          k(localOp(target));
        });
        return;
      case "set":
        this.planItems(t.items, (ops) => {
          const target = this.fb.local();
          this.fb.emit({ type: "MakeSet", target });
          for (const value of ops) this.fb.emit({ type: "SetAdd", value, set: target });
          k(localOp(target));
        });
        return;
      case "object":
        this.planItems(t.items.flat(), (ops) => {
          const target = this.fb.local();
          this.fb.emit({ type: "MakeObject", target });
          for (let i = 0; i < ops.length; i += 2) {
            this.fb.emit({ type: "ObjectInsert", key: ops[i]!, value: ops[i + 1]!, object: target });
          }
          k(localOp(target));
        });
        return;
      case "call": {
        const name = operatorName(t.op);
        if (name === undefined) throw planError("call of a non-function", t.loc);
        const arity = this.arityOf(name, t.args);
        if (t.args.length !== arity) throw planError(`${name}: wrong number of arguments`, t.loc);
        this.planCall(name, t.args, t.loc, this.env.ctx, (l) => k(localOp(l)));
        return;
      }
      case "arraycomp": {
        const target = this.fb.local();
        this.fb.emit({ type: "MakeArray", capacity: 0, target });
        this.fb.subBlock(() =>
          this.planBody(t.body, () =>
            this.planTerm(t.term, (value) => this.fb.emit({ type: "ArrayAppend", value, array: target })),
          ),
        );
        k(localOp(target));
        return;
      }
      case "setcomp": {
        const target = this.fb.local();
        this.fb.emit({ type: "MakeSet", target });
        this.fb.subBlock(() =>
          this.planBody(t.body, () =>
            this.planTerm(t.term, (value) => this.fb.emit({ type: "SetAdd", value, set: target })),
          ),
        );
        k(localOp(target));
        return;
      }
      case "objectcomp": {
        const target = this.fb.local();
        const loc = this.host.pb.loc(t.loc);
        this.fb.emit({ type: "MakeObject", target });
        this.fb.subBlock(() =>
          this.planBody(t.body, () =>
            this.planTerm(t.key, (key) =>
              this.planTerm(t.value, (value) =>
                this.fb.emit({ type: "ObjectInsertOnce", key, value, object: target, loc }),
              ),
            ),
          ),
        );
        k(localOp(target));
        return;
      }
    }
  }

  private planItems(items: Term[], k: (ops: Operand[]) => void): void {
    const ops: Operand[] = [];
    const step = (i: number): void => {
      if (i === items.length) {
        k([...ops]);
        return;
      }
      this.planTerm(items[i]!, (op) => {
        ops.push(op);
        step(i + 1);
        ops.pop();
      });
    };
    step(0);
  }

  makeNumber(text: string): Local {
    const target = this.fb.local();
    if (/^-?\d+$/.test(text)) {
      const value = BigInt(text);
      if (value >= I64_MIN && value <= I64_MAX) {
        this.fb.emit({ type: "MakeNumberInt", value, target });
        return target;
      }
    }
    this.fb.emit({ type: "MakeNumberRef", index: this.host.pb.string(text), target });
    return target;
  }

  // ---------------------------------------------------------------- references

  planRef(ref: Extract<Term, { type: "ref" }>, k: KLocal): void {
    const head = ref.terms[0];
    if (!head) throw planError("empty reference", ref.loc);
    if (head.type === "var" && this.isRootVar(head)) {
      if (head.name === "input") {
        this.fb.emit({ type: "IsDefined", source: this.env.input });
        this.walk(this.env.input, ref.terms, 1, k);
      } else {
        this.planDataRef(ref.terms.slice(1), this.host.root, 0, k);
      }
      return;
    }
    if (head.type === "var" && !this.scope.has(head.name)) {
      throw planError(`var ${head.name} is unsafe`, head.loc);
    }
    this.planTermLocal(head, (src) => this.walk(src, ref.terms, 1, k));
  }

  /** Looks up terms[i..] in the value `src`, scanning over unbound vars. */
  walk(src: Local, terms: Term[], i: number, k: KLocal): void {
    if (i === terms.length) {
      k(src);
      return;
    }
    const key = terms[i]!;
    if (this.isUnboundVar(key) || this.hasUnbound(key)) {
      const kl = this.fb.local();
      const vl = this.fb.local();
      const block = { stmts: [] };
      this.fb.inBlock(block, () => {
        const next = () => this.walk(vl, terms, i + 1, k);
        if (key.type === "var") this.bind(key.name, kl, next);
        else this.unify(key, this.localTerm(kl, key.loc), next);
      });
      this.fb.emit({ type: "Scan", source: src, key: kl, value: vl, block });
      return;
    }
    this.planTerm(key, (keyOp) => {
      const target = this.fb.local();
      this.fb.emit({ type: "Dot", source: localOp(src), key: keyOp, target });
      this.walk(target, terms, i + 1, k);
    });
  }

  /** data.<terms>: virtual documents from the rule tree, base documents from the data local. */
  private planDataRef(terms: Term[], node: DocNode, i: number, k: KLocal): void {
    if (isDataMocked(this.env.ctx, node.path) || this.underMockedPath(node.path)) {
      this.walk(this.baseChain(node.path), terms, i, k);
      return;
    }
    const key = terms[i];
    const prefixNode = node.own.length === 0 && node.dynamic.length === 0;
    if (
      key !== undefined &&
      prefixNode &&
      key.type !== "string" &&
      !this.hasUnbound(key) &&
      !this.isUnboundVar(key)
    ) {
      this.planTerm(key, (keyOp) => this.walk(this.dispatch(node, keyOp), terms, i + 1, k));
      return;
    }
    if (key === undefined || !prefixNode || key.type !== "string") {
      if (node.ownKind === "function") throw planError("function used as a value", key?.loc);
      const value = this.callNode(node);
      this.walk(value, terms, i, k);
      return;
    }
    const child = node.children.get(key.value);
    if (child) {
      this.planDataRef(terms, child, i + 1, k);
      return;
    }
    this.walk(this.baseChain([...node.path, key.value]), terms, i + 1, k);
  }

  /**
   * data.<node>[key] for a key known only at run time: the value of the matching child (so
   * that other children, which may contain the caller, are not evaluated), else base data.
   */
  private dispatch(node: DocNode, keyOp: Operand): Local {
    const value = this.fb.local();
    this.fb.emit({ type: "ResetLocal", target: value });
    for (const [name, child] of node.children) {
      if (child.ownKind === "function") continue;
      this.fb.subBlock(() => {
        this.fb.emit({ type: "Equal", a: keyOp, b: this.host.pb.stringOperand(name) });
        const v = this.nodeValue(child);
        this.fb.emit({ type: "AssignVar", source: localOp(v), target: value });
      });
    }
    this.fb.subBlock(() => {
      this.fb.emit({ type: "IsUndefined", source: value });
      const base = this.baseChain(node.path);
      const v = this.fb.local();
      this.fb.emit({ type: "Dot", source: localOp(base), key: keyOp, target: v });
      this.fb.emit({ type: "AssignVar", source: localOp(v), target: value });
    });
    this.fb.emit({ type: "IsDefined", source: value });
    return value;
  }

  private underMockedPath(path: string[]): boolean {
    return this.env.ctx.dataPaths.some((p) => p.length < path.length && p.every((s, idx) => s === path[idx]));
  }

  /** Emits Dots from the data local along `path`; fails when undefined. */
  baseChain(path: string[]): Local {
    let cur = this.env.data;
    this.fb.emit({ type: "IsDefined", source: cur });
    for (const key of path) {
      const target = this.fb.local();
      this.fb.emit({ type: "Dot", source: localOp(cur), key: this.host.pb.stringOperand(key), target });
      cur = target;
    }
    return cur;
  }

  /** input, data and the slot values a func of `ctx` takes. */
  private baseArgs(ctx: MockCtx): Operand[] {
    const slots = ctx.slots === 0 ? [] : this.env.slots.slice(0, ctx.slots);
    return [localOp(this.env.input), localOp(this.env.data), ...slots.map(localOp)];
  }

  /** Calls the node's value function; fails when the document is undefined. */
  callNode(node: DocNode): Local {
    const func = this.host.nodeFunc(node, this.env.ctx);
    const result = this.fb.local();
    this.fb.emit({ type: "Call", func, args: this.baseArgs(this.env.ctx), result });
    this.fb.emit({ type: "IsDefined", source: result });
    return result;
  }

  /** The value of data at `node` inside a node function, honouring mocked paths. */
  nodeValue(node: DocNode): Local {
    if (isDataMocked(this.env.ctx, node.path) || this.underMockedPath(node.path)) {
      return this.baseChain(node.path);
    }
    return this.callNode(node);
  }
}
