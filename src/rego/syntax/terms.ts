import type { Location, Term } from "../ast/types.js";

/** Small constructors for AST terms, shared by the parser and the checker. */
export const mk = {
  var: (name: string, loc: Location): Term => ({ type: "var", name, loc }),
  str: (value: string, loc: Location): Term => ({ type: "string", value, loc }),
  bool: (value: boolean, loc: Location): Term => ({ type: "boolean", value, loc }),
  num: (value: string, loc: Location): Term => ({ type: "number", value, loc }),
  ref: (terms: Term[], loc: Location): Term => ({ type: "ref", terms, loc }),
  /** The operator ref naming a builtin or function: "internal.member_2" -> ref[var internal, "member_2"]. */
  op: (name: string, loc: Location): Term => {
    const parts = name.split(".");
    return {
      type: "ref",
      terms: [{ type: "var", name: parts[0]!, loc }, ...parts.slice(1).map((p) => mk.str(p, loc))],
      loc,
    };
  },
  call: (name: string, args: Term[], loc: Location): Term => ({
    type: "call",
    op: mk.op(name, loc),
    args,
    loc,
  }),
};

/** The dotted name of an operator ref made of a var and strings (`time.now_ns`), or undefined. */
export function opName(op: Term): string | undefined {
  if (op.type === "var") return op.name;
  if (op.type !== "ref") return undefined;
  const [head, ...rest] = op.terms;
  if (head?.type !== "var") return undefined;
  const parts = [head.name];
  for (const t of rest) {
    if (t.type !== "string") return undefined;
    parts.push(t.value);
  }
  return parts.join(".");
}
