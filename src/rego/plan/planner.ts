/**
 * The policy-level planner: entrypoint plans plus the Funcs they need, generated on demand
 * (one per document node and `with` context).
 */
import type { CheckedProgram, Location, Term } from "../ast/types.js";
import type { Func, Plan, Policy } from "../ir/types.js";
import { BodyPlanner, type PlanHost } from "./body.js";
import { type DocNode, buildDocTree } from "./doc-tree.js";
import { planError } from "./errors.js";
import { FuncBuilder, PolicyBuilder } from "./ir-builder.js";
import { EMPTY_CTX, type MockCtx } from "./mocks.js";
import { generateNodeFunc, nodeFuncName } from "./node-funcs.js";

const ENTRY_LOC: Location = { file: "", row: 0, col: 0 };

export class Planner implements PlanHost {
  readonly pb = new PolicyBuilder();
  readonly root: DocNode;
  private readonly ctxIndex = new Map<string, number>([["", 0]]);
  private readonly pending: { node: DocNode; ctx: MockCtx; func: Func }[] = [];

  constructor(program: CheckedProgram) {
    this.root = buildDocTree(program);
  }

  nodeFunc(node: DocNode, ctx: MockCtx): string {
    let index = this.ctxIndex.get(ctx.key);
    if (index === undefined) {
      index = this.ctxIndex.size;
      this.ctxIndex.set(ctx.key, index);
    }
    const name = nodeFuncName(node, index);
    if (!this.pb.funcs.has(name)) {
      const func: Func = { name, path: ["g0", ...node.path], params: [], ret: 0, blocks: [] };
      this.pb.funcs.set(name, func);
      this.pending.push({ node, ctx, func });
    }
    return name;
  }

  planEntrypoint(entrypoint: string): Plan {
    const path = entrypoint.split("/");
    if (entrypoint === "" || path.some((p) => p === "")) {
      throw planError(`entrypoint "${entrypoint}" is not a valid path`);
    }
    this.checkEntrypoint(entrypoint, path);
    const fb = new FuncBuilder(2);
    const bp = new BodyPlanner(this, fb, { input: 0, data: 1, ctx: EMPTY_CTX, slots: [] });
    const terms: Term[] = path.map((value) => ({ type: "string", value, loc: ENTRY_LOC }));
    const ref: Term = {
      type: "ref",
      terms: [{ type: "var", name: "data", loc: ENTRY_LOC }, ...terms],
      loc: ENTRY_LOC,
    };
    fb.subBlock(() => bp.planTerm(ref, (op) => fb.emit({ type: "ResultSetAdd", value: bp.toLocal(op) })));
    return { name: entrypoint, blocks: [fb.root] };
  }

  /**
   * An entrypoint must name a rule, a prefix of rules (a package), something inside a rule's
   * value, or a base document that no rule's path touches.
   */
  private checkEntrypoint(entrypoint: string, path: string[]): void {
    let node: DocNode = this.root;
    for (const key of path) {
      if (node.own.length > 0 || node.dynamic.length > 0) {
        if (node.ownKind === "function") break;
        return;
      }
      const child = node.children.get(key);
      if (!child) {
        if (node === this.root) return; // a pure base document
        throw planError(`entrypoint "${entrypoint}" does not refer to a rule or policy decision`);
      }
      node = child;
    }
    if (node.ownKind === "function") {
      throw planError(`entrypoint "${entrypoint}" refers to a function, not a document`);
    }
  }

  /** Generates every Func requested so far (and those they request in turn). */
  drain(): void {
    for (let item = this.pending.shift(); item; item = this.pending.shift()) {
      generateNodeFunc(this, item.node, item.ctx, item.func);
    }
  }

  policy(plans: Plan[]): Policy {
    return {
      static: { strings: this.pb.strings, files: this.pb.files },
      plans,
      funcs: [...this.pb.funcs.values()],
    };
  }
}
