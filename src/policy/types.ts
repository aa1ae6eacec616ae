/**
 * The policy stage: input document -> decision. Contract between src/policy (producer) and
 * src/extauthz, src/server, src/audit (consumers).
 */

import type { Projection } from "./projection.js";

/** A decision in the OPA-Envoy plugin's vocabulary, validated and normalised. */
export interface Decision {
  allowed: boolean;
  /** Upstream headers on allow, downstream (response) headers on deny. */
  headers: Record<string, string[]>;
  responseHeadersToAdd: Record<string, string[]>;
  requestHeadersToRemove: string[];
  queryParametersToSet: Record<string, string[]>;
  queryParametersToRemove: string[];
  /** Response body on deny. */
  body?: string;
  /** HTTP status on deny (default 403). */
  httpStatus?: number;
  dynamicMetadata?: Record<string, unknown>;
}

export type EvaluationOutcome =
  | { kind: "decision"; decision: Decision; revision: string }
  /** Evaluation error, undefined decision, malformed decision, no policy loaded: always a denial. */
  | { kind: "error"; code: string; message: string; revision: string };

export interface PolicyEngine {
  /** Evaluates the configured entrypoint for one input. Never throws. */
  evaluate(input: unknown): EvaluationOutcome;
  /**
   * Evaluates the input whose JSON text `write` gives for the policy in force, told the input
   * paths that policy reads (undefined: all), so that a caller can write only what the policy
   * reads: the text of project(input, projection). What `write` throws, or a result that is not
   * text, denies (policy_input_invalid). Optional: callers fall back to evaluate.
   */
  evaluateText?(write: (projection: Projection | undefined) => string | undefined): EvaluationOutcome;
  /** Revision of the policy currently in force ("" when none). */
  readonly revision: string;
  /** True once a policy has loaded. */
  readonly ready: boolean;
}
