/**
 * Host builtins as the SDK calls them: JSON values in, a JSON value (or undefined) out.
 *
 * Error semantics (OPA's): a builtin that fails makes its expression undefined, unless strict
 * mode is on, in which case the error aborts evaluation. The SDK lets a host exception propagate
 * out of evaluate(); returning undefined makes the SDK hand the module address 0 (undefined).
 * The policy engine runs strict by default, so any builtin failure denies (fail closed).
 */
import type { HostBuiltin, HostBuiltins } from "../sdk.js";
import { BuiltinError } from "./errors.js";
import { isWrapped, plainResult, unwrapOperand, wrapResult } from "./wire.js";

export type BuiltinImpl = (...args: unknown[]) => unknown;
export type BuiltinFamily = Record<string, BuiltinImpl>;

/** Thrown out of evaluate() in strict mode; carries OPA's code and the builtin's name. */
export class HostBuiltinError extends Error {
  readonly code: string;
  readonly builtin: string;
  constructor(builtin: string, code: string, message: string) {
    super(`${builtin}: ${message}`);
    this.name = "HostBuiltinError";
    this.builtin = builtin;
    this.code = code;
  }
}

export interface RegistryOptions {
  strict: boolean;
}

export function wrapFamilies(families: BuiltinFamily[], opts: RegistryOptions): HostBuiltins {
  const out: HostBuiltins = {};
  for (const family of families) {
    for (const [name, impl] of Object.entries(family)) out[name] = wrap(name, impl, opts.strict);
  }
  return out;
}

/** Builtins that take Rego sets as RegoSet operands (the others see sets as arrays). */
const SET_OPERANDS = new WeakSet<BuiltinImpl>();

/** Marks impl as taking sets as RegoSet operands. */
export function takesSets(impl: BuiltinImpl): BuiltinImpl {
  SET_OPERANDS.add(impl);
  return impl;
}

/**
 * Wrapped operands (modules compiled by our compiler, see wire.ts) are decoded and the result
 * wrapped; plain JSON operands get a plain JSON result (RegoSet results as arrays).
 */
function wrap(name: string, impl: BuiltinImpl, strict: boolean): HostBuiltin {
  const sets = SET_OPERANDS.has(impl);
  return (...args: unknown[]): unknown => {
    try {
      if (args.length > 0 && args.every(isWrapped)) {
        return wrapResult(impl(...args.map((a) => unwrapOperand(a as { "\u0000v": unknown }, sets))));
      }
      return plainResult(impl(...args));
    } catch (e) {
      if (!strict) return undefined;
      if (e instanceof BuiltinError) throw new HostBuiltinError(name, e.code, e.message);
      const msg = e instanceof Error ? e.message : String(e);
      throw new HostBuiltinError(name, "eval_builtin_error", msg);
    }
  };
}
