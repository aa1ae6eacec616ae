/**
 * IR -> Wasm: generates a policy's functions and links them with the prebuilt runtime library
 * into a module that @open-policy-agent/opa-wasm loads like one built by `opa build -t wasm`.
 */
import type { Policy } from "../ir/types.js";
import { NATIVE_BUILTINS } from "./builtins.js";
import { type GenerateOptions, generate } from "./codegen.js";
import { runtimeModule } from "./module.js";

export type { GenerateOptions } from "./codegen.js";

/** Compiles an IR policy into a Wasm module (OPA Wasm ABI 1.3). */
export function generateWasm(policy: Policy, options?: GenerateOptions): Uint8Array {
  return generate(runtimeModule(), policy, options);
}

/** Builtin names the runtime implements natively; the host must supply all others. */
export function nativeBuiltins(): ReadonlySet<string> {
  return new Set(NATIVE_BUILTINS.keys());
}
