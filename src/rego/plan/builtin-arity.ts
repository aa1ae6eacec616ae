/**
 * What the planner needs to know about builtins, from the shared catalog: the number of inputs
 * (to tell a call's trailing output argument from its inputs: `count(xs, n)` binds or compares
 * n; `startswith(s, p)` has no output) and whether the builtin is a relation (`walk`: the call
 * yields a collection of outputs, each of which is a solution).
 */
import { BUILTINS } from "../builtins/catalog.js";

/** The number of inputs of the builtin `name`, or undefined when unknown. */
export function builtinArity(name: string): number | undefined {
  return BUILTINS.get(name)?.arity;
}

export function isRelation(name: string): boolean {
  return BUILTINS.get(name)?.relation === true;
}
