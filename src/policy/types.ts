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
   * Evaluates the input that `build` makes for the policy in force, given the input paths that
   * policy reads (undefined: all), so that a caller can skip building what it never reads. The
   * same as evaluate(build(undefined)) for the policy. Optional: callers fall back to evaluate.
   */
  evaluateProjected?(build: (projection: Projection | undefined) => unknown): EvaluationOutcome;
  /** Revision of the policy currently in force ("" when none). */
  readonly revision: string;
  /** True once a policy has loaded. */
  readonly ready: boolean;
}
