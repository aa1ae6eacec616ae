import { loadPolicy } from "@open-policy-agent/opa-wasm";
import type { CheckedProgram } from "../../src/rego/ast/types.js";
import { planPolicy } from "../../src/rego/plan/index.js";
import { generateWasm } from "../../src/rego/wasm/index.js";

/** Plans, generates Wasm, loads it in the unmodified SDK and evaluates one entrypoint. */
export async function evalProgram(
  program: CheckedProgram,
  entrypoint: string,
  input?: unknown,
  data?: unknown,
): Promise<unknown> {
  const policy = planPolicy(program, [entrypoint]);
  const loaded = await loadPolicy(generateWasm(policy), undefined, {});
  if (data !== undefined) loaded.setData(data as object);
  return loaded.evaluate(input, entrypoint);
}

/** The single result value, or undefined for an empty result set. */
export async function evalValue(
  program: CheckedProgram,
  entrypoint: string,
  input?: unknown,
  data?: unknown,
): Promise<unknown> {
  const rs = (await evalProgram(program, entrypoint, input, data)) as { result: unknown }[];
  if (rs.length === 0) return undefined;
  return rs[0]!.result;
}
