/** Stable reason codes of the policy stage, and the error type that carries them. */

export type PolicyErrorCode =
  /** No policy has loaded yet. */
  | "policy_not_loaded"
  /** The entrypoint produced no value. */
  | "policy_undefined"
  /** Evaluation failed: a Wasm abort (e.g. a complete-rule conflict) or a builtin error in strict mode. */
  | "policy_eval_error"
  /** The decision is neither a boolean nor a valid OPA-Envoy decision object. */
  | "policy_malformed_decision"
  /** The input could not be serialised to JSON. */
  | "policy_input_invalid"
  // --- load / reload failures
  | "bundle_unreadable"
  | "bundle_invalid_archive"
  | "bundle_unsafe_path"
  | "bundle_too_large"
  | "bundle_missing_wasm"
  | "bundle_invalid_manifest"
  | "bundle_invalid_data"
  | "policy_compile_error"
  | "policy_missing_entrypoint"
  | "policy_missing_builtin"
  | "policy_instantiate_error";

export class PolicyError extends Error {
  readonly code: PolicyErrorCode;
  constructor(code: PolicyErrorCode, message: string) {
    super(message);
    this.name = "PolicyError";
    this.code = code;
  }
}

export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (typeof e === "string") return e;
  if (e !== null && typeof e === "object" && "message" in e)
    return String((e as { message: unknown }).message);
  return String(e);
}
