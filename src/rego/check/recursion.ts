import type { Rule, Term } from "../ast/types.js";
import type { Diagnostics } from "./diagnostics.js";
import { walkBody, walkTerm } from "./walk.js";

const nullTerm: Term = { type: "null", loc: { file: "", row: 0, col: 0 } };

/**
 * Keys of a ref rooted at data, as path segments: strings as themselves, variables and other
 * dynamic keys as null (matching any segment), constants that are not strings as "" (matching none).
 */
function dataKeys(t: Term, refHeads: WeakSet<Term>): (string | null)[] | undefined {
  // A bare `data` (not the head of a ref) reads the whole document, every rule included.
  if (t.type === "var") return t.name === "data" && !refHeads.has(t) ? [] : undefined;
  if (t.type !== "ref") return undefined;
  const [head, ...keys] = t.terms;
  if (head) refHeads.add(head);
  if (head?.type !== "var" || head.name !== "data") return undefined;
  return keys.map((k) => {
    if (k.type === "string") return k.value;
    if (k.type === "var" || k.type === "ref" || k.type === "call") return null;
    return "";
  });
}

/** A rule at `path` may be read by a ref with these keys (OPA matches variables as wildcards). */
function reads(keys: (string | null)[], path: string[]): boolean {
  const n = Math.min(keys.length, path.length);
  for (let i = 0; i < n; i++) {
    const k = keys[i];
    if (k !== null && k !== path[i]) return false;
  }
  return true;
}

/**
 * Recursion check (guarantee 6): rule groups form a graph by the data paths their bodies and heads
 * read (refs and function calls, not `with` targets); a cycle is a rego_recursion_error.
 */
export function checkRecursion(groups: Map<string, Rule[]>, diags: Diagnostics): void {
  const keys = [...groups.keys()];
  const splitKeys = keys.map((k) => k.split("."));
  const edges = new Map<string, Set<string>>();
  for (const [key, rules] of groups) {
    const deps = new Set<string>();
    const refHeads = new WeakSet<Term>(); // walkTerm visits a ref before its head
    const visit = (t: Term): void => {
      const refKeys = dataKeys(t, refHeads);
      if (!refKeys) return;
      for (let i = 0; i < keys.length; i++) if (reads(refKeys, splitKeys[i]!)) deps.add(keys[i]!);
    };
    const noTargets = (e: Rule["body"][number]) => ({
      ...e,
      with: e.with.map((w) => ({ ...w, target: nullTerm })),
    });
    for (const rule of rules) {
      for (let x: Rule | undefined = rule; x; x = x.else) {
        walkBody(x.body.map(noTargets), visit);
        for (const h of [...x.head.ref.slice(1), x.head.key, x.head.value]) if (h) walkTerm(h, visit);
      }
    }
    edges.set(key, deps);
  }
  // Tarjan's strongly connected components, iterative to stay safe on large programs.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  let counter = 0;
  const reported = new Set<string>();
  for (const start of keys) {
    if (index.has(start)) continue;
    const work: [string, string[]][] = [[start, [...(edges.get(start) ?? [])]]];
    index.set(start, counter);
    low.set(start, counter++);
    stack.push(start);
    onStack.add(start);
    while (work.length > 0) {
      const top = work[work.length - 1]!;
      const [v, todo] = top;
      const w = todo.shift();
      if (w !== undefined) {
        if (!index.has(w)) {
          index.set(w, counter);
          low.set(w, counter++);
          stack.push(w);
          onStack.add(w);
          work.push([w, [...(edges.get(w) ?? [])]]);
        } else if (onStack.has(w)) {
          low.set(v, Math.min(low.get(v)!, index.get(w)!));
        }
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1]![0];
        low.set(parent, Math.min(low.get(parent)!, low.get(v)!));
      }
      if (low.get(v) === index.get(v)) {
        const comp: string[] = [];
        for (;;) {
          const x = stack.pop()!;
          onStack.delete(x);
          comp.push(x);
          if (x === v) break;
        }
        const selfLoop = comp.length === 1 && edges.get(v)?.has(v);
        if (comp.length > 1 || selfLoop) reportCycle(comp, edges, groups, diags, reported);
      }
    }
  }
}

function reportCycle(
  comp: string[],
  edges: Map<string, Set<string>>,
  groups: Map<string, Rule[]>,
  diags: Diagnostics,
  reported: Set<string>,
): void {
  const members = new Set(comp);
  const start = [...comp].sort()[0]!;
  // Shortest path back to start inside the component (BFS).
  const prev = new Map<string, string>();
  const queue = [start];
  let found = false;
  while (queue.length > 0 && !found) {
    const v = queue.shift()!;
    for (const w of edges.get(v) ?? []) {
      if (!members.has(w)) continue;
      if (w === start) {
        prev.set("$end", v);
        found = true;
        break;
      }
      if (!prev.has(w)) {
        prev.set(w, v);
        queue.push(w);
      }
    }
  }
  const middle: string[] = [];
  for (let v = prev.get("$end"); v !== undefined && v !== start; v = prev.get(v)) middle.unshift(v);
  const chain = [start, ...middle, start].map((p) => `data.${p}`);
  if (reported.has(start)) return;
  reported.add(start);
  const rule = groups.get(start)![0]!;
  diags.add("rego_recursion_error", `rule data.${start} is recursive: ${chain.join(" -> ")}`, rule.loc);
}
