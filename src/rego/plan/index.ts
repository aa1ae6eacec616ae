/**
 * The Rego planner: CheckedProgram + entrypoints -> IR Policy (src/rego/ir/types.ts).
 */
import type { CheckedProgram } from "../ast/types.js";
import type { Policy } from "../ir/types.js";
import { Planner } from "./planner.js";

/**
 * Plans one entrypoint per slash path ("envoy/authz/allow"); each plan adds the value of
 * data.<path> to the result set when it is defined.
 * @throws RegoCompileError for an entrypoint naming no rule or document, or a program the
 *   planner cannot lower.
 */
export function planPolicy(program: CheckedProgram, entrypoints: string[]): Policy {
  const planner = new Planner(program);
  const plans = entrypoints.map((e) => planner.planEntrypoint(e));
  planner.drain();
  return planner.policy(plans);
}
