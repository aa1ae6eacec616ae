/**
 * The policy input document, compatible with the OPA-Envoy plugin so that its users' policies run
 * unchanged: the CheckRequest in protobuf JSON form (lowerCamelCase, via ts-proto's toJSON) plus
 * parsed_path, parsed_query, parsed_body, truncated_body, version and source_principal. Our
 * additions: `identity` (the verified workload identity, with `proxy` when it came through one)
 * or, on identity-optional requests whose verification failed, `identity_error`.
 */
import type { CheckRequest } from "../gen/envoy/service/auth/v3/external_auth.js";
import type { AuthResult } from "../identity/types.js";
import type { ParsedBody } from "./body.js";
import { putIdentity, type TokenContext } from "./identity-input.js";
import type { Projection } from "../policy/projection.js";
import type { ParsedTarget } from "./path.js";
import { requestJson } from "./request-json.js";

export type { PolicyIdentity } from "./identity-input.js";

export interface InputParts {
  request: CheckRequest;
  target: ParsedTarget;
  body: ParsedBody;
  /** undefined only when identity was not attempted. */
  auth?: AuthResult;
  /** The verified token identity, when the request carried one (see identity-input.ts). */
  token?: TokenContext;
  /**
   * Header names (lower case) removed from the input's copy of the request headers: the
   * configured identity headers. A client-sent x-wimse-workload-id is never verified, so a policy
   * must not be able to read it by mistake; the verified values are in input.identity.
   */
  hiddenHeaders?: ReadonlySet<string>;
  /**
   * The input paths the policy reads (PolicyEngine.evaluateProjected): the request's JSON form is
   * then built for those paths only. Undefined: the whole request.
   */
  projection?: Projection;
}

export const INPUT_VERSION = Object.freeze({ ext_authz: "v3", encoding: "protojson" });

export function buildInput(parts: InputParts): Record<string, unknown> {
  const input = requestJson(parts.request, parts.projection);
  if (parts.hiddenHeaders && parts.hiddenHeaders.size > 0) hideHeaders(input, parts.hiddenHeaders);
  input.parsed_path = parts.target.parsedPath;
  input.parsed_query = parts.target.parsedQuery;
  if (parts.body.value !== undefined) input.parsed_body = parts.body.value;
  input.truncated_body = parts.body.truncated;
  input.version = INPUT_VERSION;
  const principal = parts.request.attributes?.source?.principal;
  if (principal) input.source_principal = principal;
  putIdentity(input, parts.auth, parts.token);
  return input;
}

function hideHeaders(input: Record<string, unknown>, hidden: ReadonlySet<string>): void {
  const http = (
    (input.attributes as Record<string, unknown> | undefined)?.request as Record<string, unknown> | undefined
  )?.http as Record<string, unknown> | undefined;
  if (!http) return;
  const headers = http.headers as Record<string, unknown> | undefined;
  if (headers) {
    for (const name of Object.keys(headers)) if (hidden.has(name.toLowerCase())) delete headers[name];
  }
  const map = http.headerMap as { headers?: Array<{ key?: string }> } | undefined;
  if (map?.headers) map.headers = map.headers.filter((h) => !hidden.has((h.key ?? "").toLowerCase()));
}
