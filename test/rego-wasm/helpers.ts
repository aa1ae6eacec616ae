import { loadPolicy } from "@open-policy-agent/opa-wasm";
import type { Block, Func, Operand, Plan, Policy, Stmt } from "../../src/rego/ir/types.js";
import { generateWasm } from "../../src/rego/wasm/index.js";

/** Small builders for hand-written IR. */
export const L = (local: number): Operand => ({ kind: "local", local });
export const B = (value: boolean): Operand => ({ kind: "bool", value });

export class PolicyBuilder {
  strings: string[] = [];
  plans: Plan[] = [];
  funcs: Func[] = [];

  s(text: string): Operand {
    let i = this.strings.indexOf(text);
    if (i < 0) {
      i = this.strings.length;
      this.strings.push(text);
    }
    return { kind: "string", index: i };
  }

  sIndex(text: string): number {
    return (this.s(text) as { index: number }).index;
  }

  plan(name: string, ...blocks: Stmt[][]): this {
    this.plans.push({ name, blocks: blocks.map((stmts) => ({ stmts })) });
    return this;
  }

  func(name: string, params: number[], ret: number, ...blocks: Stmt[][]): this {
    this.funcs.push({ name, path: name.split("."), params, ret, blocks: blocks.map((stmts) => ({ stmts })) });
    return this;
  }

  build(): Policy {
    return { static: { strings: this.strings, files: ["test.rego"] }, plans: this.plans, funcs: this.funcs };
  }
}

export const blk = (...stmts: Stmt[]): Block => ({ stmts });

/** A plan body that evaluates `expr` statements and adds local `v` to the result set. */
export async function load(
  policy: Policy,
  customBuiltins: Record<string, (...args: unknown[]) => unknown> = {},
) {
  const wasm = generateWasm(policy);
  return loadPolicy(wasm, undefined, customBuiltins);
}
