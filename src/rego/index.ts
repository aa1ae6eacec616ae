/**
 * The Rego compiler's public surface: Rego sources -> a Wasm module implementing OPA's Wasm ABI.
 *
 * Pipeline (one input and one output type per stage):
 *   syntax/  SourceFile -> Module (lexer, parser)
 *   check/   Module[] -> CheckedProgram (resolution, rewriting, safety, compile errors)
 *   plan/    CheckedProgram + entrypoints -> ir.Policy
 *   wasm/    ir.Policy -> Wasm bytes (generated code linked with the prebuilt runtime library)
 * and, beside the wasm stage, analysis/: ir.Policy -> the input paths the code can read.
 */
export type { CheckedProgram, Module, RegoError, SourceFile } from "./ast/types.js";
export type { InputPath } from "./analysis/input-paths.js";
export type { Policy } from "./ir/types.js";

import type { InputPath } from "./analysis/input-paths.js";

export interface CompileOptions {
  /** Entrypoints as slash paths, e.g. ["envoy/authz/allow"]. */
  entrypoints: string[];
  /**
   * OPA's default (false): a builtin error makes its expression undefined. true: a builtin error
   * aborts evaluation with its reason (OPA's strict-builtin-errors mode), so that `not f(x)` can
   * never turn an error into success.
   */
  strictBuiltinErrors?: boolean;
}

export interface CompileResult {
  wasm: Uint8Array;
  /** Entrypoint path -> id, as the module's entrypoints() export reports it. */
  entrypoints: Record<string, number>;
  /** Host builtins the module delegates through opa_builtinN, by Rego name. */
  hostBuiltins: string[];
  /**
   * The only parts of the input the module can read (src/rego/analysis/input-paths.ts): an
   * evaluator may pass just these (src/policy/projection.ts). Undefined: the whole input.
   */
  inputPaths?: InputPath[];
  /**
   * The module calls only pure built-ins (builtins/catalog.ts isPureBuiltin): the same input and
   * data give the same result, so an evaluator may reuse a result for an equal input.
   */
  deterministic: boolean;
}
