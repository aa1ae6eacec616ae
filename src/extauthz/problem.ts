/**
 * RFC 9457 problem details for denials decided by this service's identity stages: the body Envoy
 * returns to the caller (Content-Type application/problem+json). Members: type, title, status,
 * detail, instance (the decision id), and the extensions `check` (the failed check, e.g.
 * "wpt.aud") and `reason_code` (the stable code, also in x-wimse-authz-reason).
 *
 * `detail` comes from the stage's own messages, which never contain a token, signature or key;
 * it is still bounded and redacted (anything that looks like a JWT or a PEM block is replaced).
 */
import { safeText } from "../audit/record.js";

export const PROBLEM_CONTENT_TYPE = "application/problem+json";
/** Problem type URIs: a URN per reason code (identifiers, not links). */
export const PROBLEM_TYPE_PREFIX = "urn:wimse-authz:problem:";

export interface Problem {
  status: number;
  /** Stable reason code, e.g. "wpt_aud_mismatch". */
  code: string;
  /** The failed check, e.g. "wpt.aud"; "" when the code says it all. */
  check: string;
  detail: string;
  /** "token" for WIT / proof failures, "transport" for certificate / forwarded-certificate ones. */
  kind: "token" | "transport";
}

const TITLES = {
  token: "Invalid workload identity token or proof",
  transport: "Workload identity not established",
} as const;

/** The JSON text of the problem body. */
export function problemBody(p: Problem, decisionId: string): string {
  const body: Record<string, string | number> = {
    type: PROBLEM_TYPE_PREFIX + p.code,
    title: TITLES[p.kind],
    status: p.status,
    detail: safeText(p.detail),
    instance: `urn:wimse-authz:decision:${decisionId}`,
    reason_code: p.code,
  };
  if (p.check !== "") body.check = p.check;
  return JSON.stringify(body);
}

/** Response headers of a problem denial (as denyResponse takes them). */
export const PROBLEM_HEADERS: Readonly<Record<string, string[]>> = Object.freeze({
  "content-type": [PROBLEM_CONTENT_TYPE],
});
