/**
 * Decision -> CheckResponse. Allow: gRPC status 0 with ok_response; deny: status 7
 * (PERMISSION_DENIED) with denied_response {status, headers, body}. Both carry
 * dynamic_metadata.decision_id, as the OPA-Envoy plugin does.
 *
 * Identity headers (x-wimse-workload-id, ...) are authoritative: on allow every configured name is
 * either SET to the verified value (append=false, which replaces any client-sent copy) or listed
 * in headers_to_remove when there is no value. A name that is set is never also listed in
 * headers_to_remove, because Envoy applies removals after additions (ext_authz.cc onComplete)
 * and would delete the verified value. Policy-supplied headers never override these names.
 */
import type { HeaderValueOption } from "../gen/envoy/config/core/v3/base.js";
import type { CheckResponse } from "../gen/envoy/service/auth/v3/external_auth.js";
import type { Decision } from "../policy/types.js";
import type { PolicyIdentity } from "./input.js";

export const GRPC_OK = 0;
export const GRPC_PERMISSION_DENIED = 7;
/** Response header naming the reason code of a denial decided by this service (never a message). */
export const REASON_HEADER = "x-wimse-authz-reason";

export interface IdentityHeaderNames {
  workloadId: string;
  trustDomain: string;
  proxyId: string;
  authMethod: string;
}

function option(key: string, value: string, append: boolean): HeaderValueOption {
  return {
    header: { key, value, rawValue: Buffer.alloc(0) },
    append,
    appendAction: 0,
    keepEmptyValue: false,
  };
}

/** A header map (value lists) as options: the first value set, further values appended. */
function options(headers: Record<string, string[]>, skip: ReadonlySet<string>): HeaderValueOption[] {
  const out: HeaderValueOption[] = [];
  for (const [name, values] of Object.entries(headers)) {
    if (skip.has(name.toLowerCase())) continue;
    for (let i = 0; i < values.length; i++) out.push(option(name, values[i], i > 0));
  }
  return out;
}

function identityValues(
  names: IdentityHeaderNames,
  identity: PolicyIdentity | undefined,
): Map<string, string | undefined> {
  const m = new Map<string, string | undefined>();
  const put = (name: string, value: string | undefined) => {
    if (name !== "") m.set(name.toLowerCase(), value);
  };
  put(names.workloadId, identity?.id);
  put(names.trustDomain, identity?.trustDomain);
  put(names.proxyId, identity?.proxy?.id);
  put(names.authMethod, identity?.method);
  return m;
}

export function allowResponse(
  decision: Decision | undefined,
  identity: PolicyIdentity | undefined,
  names: IdentityHeaderNames,
  decisionId: string,
): CheckResponse {
  const idHeaders = identityValues(names, identity);
  const reserved = new Set(idHeaders.keys());
  const headers = decision ? options(decision.headers, reserved) : [];
  const toRemove = new Set<string>();
  for (const n of decision?.requestHeadersToRemove ?? []) {
    if (!reserved.has(n.toLowerCase())) toRemove.add(n);
  }
  for (const [name, value] of idHeaders) {
    if (value === undefined) toRemove.add(name);
    else headers.push(option(name, value, false));
  }
  return {
    status: { code: GRPC_OK, message: "", details: [] },
    okResponse: {
      headers,
      headersToRemove: [...toRemove],
      responseHeadersToAdd: decision ? options(decision.responseHeadersToAdd, new Set()) : [],
      queryParametersToSet: decision
        ? Object.entries(decision.queryParametersToSet).flatMap(([key, vs]) =>
            vs.map((value) => ({ key, value })),
          )
        : [],
      queryParametersToRemove: decision ? [...decision.queryParametersToRemove] : [],
    },
    dynamicMetadata: { ...(decision?.dynamicMetadata ?? {}), decision_id: decisionId },
  };
}

export interface DenyParts {
  httpStatus: number;
  headers?: Record<string, string[]>;
  body?: string;
  /** Stage-decided denials carry their reason code in REASON_HEADER and the gRPC message. */
  reasonCode?: string;
  dynamicMetadata?: Record<string, unknown>;
}

export function denyResponse(parts: DenyParts, decisionId: string): CheckResponse {
  const headers = options(parts.headers ?? {}, new Set([REASON_HEADER]));
  if (parts.reasonCode) headers.push(option(REASON_HEADER, parts.reasonCode, false));
  return {
    status: { code: GRPC_PERMISSION_DENIED, message: parts.reasonCode ?? "", details: [] },
    deniedResponse: { status: { code: parts.httpStatus }, headers, body: parts.body ?? "" },
    dynamicMetadata: { ...(parts.dynamicMetadata ?? {}), decision_id: decisionId },
  };
}
