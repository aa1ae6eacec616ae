/**
 * Which parts of the input a compiled policy can read: ir.Policy -> a trie of input paths, so that
 * the engine can hand the module only those parts (src/policy/projection.ts) instead of the whole
 * input document. Undefined means "the whole input".
 *
 * Soundness is the only requirement: over-including is always correct, under-including is a
 * security bug (the policy would see a missing field and could decide differently). So the
 * analysis is a flow-insensitive, interprocedural "which locals hold which input paths" fixpoint in
 * which every use it does not model precisely marks the paths involved WHOLE (the value and
 * everything below it is kept), and anything it does not understand gives up (undefined).
 *
 * Model (IR conventions, src/rego/ir/types.ts): local 0 of a plan is the input, [] (the root).
 * - Dot{source, key: constant string, target}: target holds source's paths + [key]. Every path a
 *   local holds is NEEDED: the key is kept even if nothing below it is read (existence is a test).
 *   A key that is not a constant string: source's paths (and the key's) are WHOLE.
 * - AssignVar: target holds source's paths (an alias). AssignVarOnce too when it is the target's
 *   only writer and not inside a Scan (so it can never compare two values); otherwise its source is
 *   WHOLE (the conflict check compares whole values).
 * - A Call of a Func: argument i's paths flow into the callee's param i; the callee's ret (and
 *   whatever it returns with ReturnLocal) flows into the call's result.
 * - Equal / NotEqual with a constant string or boolean: NEEDED only (a projected value is an
 *   object exactly when the original is, and scalars are kept as they are, so the comparison has
 *   the same outcome). IsDefined / IsUndefined: NEEDED only.
 * - Every other use of a local holding input paths makes those paths WHOLE: builtin call
 *   arguments, Equal/NotEqual of two locals, Len, IsArray/IsObject/IsSet, Scan sources, values,
 *   keys and containers of ArrayAppend/ObjectInsert(Once)/SetAdd/ObjectMerge, With values,
 *   ResultSetAdd, ReturnLocal in a plan.
 * - With on a local keeps that local's paths (the replaced part is the With value, which is WHOLE).
 * - CallDynamic anywhere, a Call whose argument count differs from its callee's params, a statement
 *   type this file does not know, or too many paths: undefined (the whole input).
 */
import type { Block, Func, Local, Operand, Policy, Stmt } from "../ir/types.js";

/** A node of the input-path trie: `whole` keeps the value and everything below it. */
export interface InputPathTrie {
  whole: boolean;
  children: Map<string, InputPathTrie>;
}

/**
 * The trie as JSON-serializable data: one entry per WHOLE node and per leaf (a path whose value
 * must exist but whose content is never read); prefixes of listed paths are implied.
 */
export interface InputPath {
  path: string[];
  whole: boolean;
}

/** Longer paths are cut to this length and kept WHOLE (guarantees termination). */
export const MAX_PATH_LENGTH = 32;
/** Beyond this many (local, path) facts the analysis gives up: whole input. */
const MAX_FACTS = 100_000;

type NodeKey = string;
interface Edge {
  to: NodeKey;
  /** Appended to each path that flows along the edge (a Dot), or undefined (an alias). */
  key?: string;
}

class GiveUp extends Error {}

/** The input paths `policy` can read, or undefined when it may read the whole input. */
export function inputPaths(policy: Policy): InputPathTrie | undefined {
  try {
    return analyse(policy);
  } catch (e) {
    if (e instanceof GiveUp) return undefined;
    throw e;
  }
}

/** The trie as a list (see InputPath); the root itself is never listed. */
export function inputPathList(trie: InputPathTrie): InputPath[] {
  const out: InputPath[] = [];
  const visit = (node: InputPathTrie, path: string[]): void => {
    if (path.length > 0 && (node.whole || node.children.size === 0)) {
      out.push({ path, whole: node.whole });
      return;
    }
    for (const [key, child] of node.children) visit(child, [...path, key]);
  };
  visit(trie, []);
  return out;
}

function analyse(policy: Policy): InputPathTrie | undefined {
  const funcs = new Map<string, Func>(policy.funcs.map((f) => [f.name, f]));
  const strings = policy.static.strings;
  const edges = new Map<NodeKey, Edge[]>();
  const wholeUses = new Set<NodeKey>();
  const roots: NodeKey[] = [];

  const node = (scope: string, local: Local): NodeKey => `${scope}\u0000${local}`;
  const addEdge = (from: NodeKey, edge: Edge): void => {
    const list = edges.get(from);
    if (list) list.push(edge);
    else edges.set(from, [edge]);
  };

  const scanScope = (scope: string, blocks: Block[], isPlan: boolean, func?: Func): void => {
    const writers = countWriters(blocks);
    const local = (l: Local): NodeKey => node(scope, l);
    const wholeOp = (op: Operand): void => {
      if (op.kind === "local") wholeUses.add(local(op.local));
    };
    const visit = (block: Block, inScan: boolean): void => {
      for (const st of block.stmts) stmt(st, inScan);
    };
    const stmt = (st: Stmt, inScan: boolean): void => {
      switch (st.type) {
        case "Block":
          for (const b of st.blocks) visit(b, inScan);
          return;
        case "Not":
          visit(st.block, inScan);
          return;
        case "Scan":
          wholeUses.add(local(st.source));
          visit(st.block, true);
          return;
        case "With":
          // The local keeps its paths: outside the replaced path it is still the input.
          wholeOp(st.value);
          visit(st.block, inScan);
          return;
        case "Break":
        case "Nop":
        case "AssignInt":
        case "ResetLocal":
        case "MakeNull":
        case "MakeNumberInt":
        case "MakeNumberRef":
        case "MakeArray":
        case "MakeObject":
        case "MakeSet":
        case "IsDefined":
        case "IsUndefined":
          return;
        case "Call": {
          const callee = funcs.get(st.func);
          if (!callee) {
            st.args.forEach(wholeOp);
            return;
          }
          if (callee.params.length !== st.args.length) throw new GiveUp();
          st.args.forEach((arg, i) => {
            if (arg.kind === "local")
              addEdge(local(arg.local), { to: node(`func:${callee.name}`, callee.params[i]!) });
          });
          addEdge(node(`func:${callee.name}`, callee.ret), { to: local(st.result) });
          return;
        }
        case "CallDynamic":
          throw new GiveUp();
        case "ReturnLocal":
          if (isPlan || !func) wholeUses.add(local(st.source));
          else if (st.source !== func.ret) addEdge(local(st.source), { to: local(func.ret) });
          return;
        case "ResultSetAdd":
          wholeUses.add(local(st.value));
          return;
        case "AssignVar":
          if (st.source.kind === "local") addEdge(local(st.source.local), { to: local(st.target) });
          return;
        case "AssignVarOnce":
          if (st.source.kind !== "local") return;
          addEdge(local(st.source.local), { to: local(st.target) });
          if (inScan || (writers.get(st.target) ?? 0) > 1) wholeUses.add(local(st.source.local));
          return;
        case "ArrayAppend":
          wholeOp(st.value);
          wholeUses.add(local(st.array));
          return;
        case "ObjectInsert":
        case "ObjectInsertOnce":
          wholeOp(st.key);
          wholeOp(st.value);
          wholeUses.add(local(st.object));
          return;
        case "ObjectMerge":
          wholeUses.add(local(st.a));
          wholeUses.add(local(st.b));
          return;
        case "SetAdd":
          wholeOp(st.value);
          wholeUses.add(local(st.set));
          return;
        case "Dot": {
          if (st.source.kind !== "local") return;
          const source = local(st.source.local);
          if (st.key.kind === "string") {
            const key = strings[st.key.index];
            if (key === undefined) throw new GiveUp();
            addEdge(source, { to: local(st.target), key });
            return;
          }
          wholeUses.add(source);
          wholeOp(st.key);
          return;
        }
        case "Equal":
        case "NotEqual":
          if (st.a.kind === "local" && st.b.kind === "local") {
            wholeOp(st.a);
            wholeOp(st.b);
          }
          return;
        case "Len":
        case "IsArray":
        case "IsObject":
        case "IsSet":
          wholeOp(st.source);
          return;
        default:
          throw new GiveUp();
      }
    };
    for (const b of blocks) visit(b, false);
  };

  policy.plans.forEach((plan, i) => {
    const scope = `plan:${i}`;
    roots.push(node(scope, 0));
    scanScope(scope, plan.blocks, true);
  });
  for (const f of policy.funcs) scanScope(`func:${f.name}`, f.blocks, false, f);

  // Fixpoint: propagate each new (local, path) fact along the local's edges.
  const facts = new Map<NodeKey, Map<string, string[]>>();
  const cut = new Map<string, string[]>(); // paths at the length cap: kept WHOLE
  const queue: [NodeKey, string[]][] = [];
  let count = 0;
  const add = (n: NodeKey, path: string[]): void => {
    let set = facts.get(n);
    if (!set) {
      set = new Map();
      facts.set(n, set);
    }
    const k = pathKey(path);
    if (set.has(k)) return;
    if (++count > MAX_FACTS) throw new GiveUp();
    set.set(k, path);
    queue.push([n, path]);
  };
  for (const r of roots) add(r, []);
  for (let item = queue.pop(); item; item = queue.pop()) {
    const [n, path] = item;
    for (const e of edges.get(n) ?? []) {
      if (e.key === undefined) add(e.to, path);
      else if (path.length >= MAX_PATH_LENGTH) cut.set(pathKey(path), path);
      else add(e.to, [...path, e.key]);
    }
  }

  const trie: InputPathTrie = { whole: false, children: new Map() };
  for (const set of facts.values()) for (const path of set.values()) insert(trie, path);
  for (const path of cut.values()) insert(trie, path).whole = true;
  for (const n of wholeUses) for (const path of facts.get(n)?.values() ?? []) insert(trie, path).whole = true;
  if (trie.whole) return undefined;
  prune(trie);
  return trie;
}

function pathKey(path: string[]): string {
  return JSON.stringify(path);
}

function insert(trie: InputPathTrie, path: string[]): InputPathTrie {
  let cur = trie;
  for (const key of path) {
    let next = cur.children.get(key);
    if (!next) {
      next = { whole: false, children: new Map() };
      cur.children.set(key, next);
    }
    cur = next;
  }
  return cur;
}

/** Below a WHOLE node everything is kept: its children say nothing more. */
function prune(trie: InputPathTrie): void {
  if (trie.whole) {
    trie.children.clear();
    return;
  }
  for (const child of trie.children.values()) prune(child);
}

/** How many statements of a func or plan write each local (ResetLocal excepted). */
function countWriters(blocks: Block[]): Map<Local, number> {
  const out = new Map<Local, number>();
  const bump = (l: Local): void => {
    out.set(l, (out.get(l) ?? 0) + 1);
  };
  const visit = (block: Block): void => {
    for (const st of block.stmts) {
      switch (st.type) {
        case "Block":
          st.blocks.forEach(visit);
          break;
        case "Not":
        case "Scan":
        case "With":
          if (st.type === "Scan") {
            bump(st.key);
            bump(st.value);
          }
          if (st.type === "With") bump(st.local);
          visit(st.block);
          break;
        case "Call":
        case "CallDynamic":
          bump(st.result);
          break;
        case "AssignInt":
        case "AssignVar":
        case "AssignVarOnce":
        case "MakeNull":
        case "MakeNumberInt":
        case "MakeNumberRef":
        case "MakeArray":
        case "MakeObject":
        case "MakeSet":
        case "Dot":
        case "Len":
        case "ObjectMerge":
          bump(st.target);
          break;
        default:
          break;
      }
    }
  };
  blocks.forEach(visit);
  return out;
}
