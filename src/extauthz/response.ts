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
import type { HeaderValueOption, QueryParameter } from "../gen/envoy/config/core/v3/base.js";
import type { CheckResponse, OkHttpResponse } from "../gen/envoy/service/auth/v3/external_auth.js";
import { deepFreeze } from "../policy/deep-freeze.js";
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

/** Shared: a zero-length value is never written to. */
const NO_RAW_VALUE = Buffer.alloc(0);

function option(key: string, value: string, append: boolean): HeaderValueOption {
  return {
    header: { key, value, rawValue: NO_RAW_VALUE },
    append,
    appendAction: 0,
    keepEmptyValue: false,
  };
}

/** A header map (value lists) as options: the first value set, further values appended. */
function options(headers: Record<string, string[]>, skip: ReadonlySet<string>): HeaderValueOption[] {
  const out: HeaderValueOption[] = [];
  for (const name of Object.keys(headers)) {
    if (skip.has(name.toLowerCase())) continue;
    const values = headers[name] as string[];
    for (let i = 0; i < values.length; i++) out.push(option(name, values[i] as string, i > 0));
  }
  return out;
}

type IdentityField = (identity: PolicyIdentity | undefined) => string | undefined;

/** The configured identity headers: lower-case names, each with the identity field it carries. */
interface IdentityHeaders {
  fields: ReadonlyArray<readonly [string, IdentityField]>;
  names: ReadonlySet<string>;
}

/** Per names object (configuration, never changed once in use): computed once, not per response. */
const identityHeaderCache = new WeakMap<IdentityHeaderNames, IdentityHeaders>();

function identityHeaders(names: IdentityHeaderNames): IdentityHeaders {
  let known = identityHeaderCache.get(names);
  if (known) return known;
  // A Map, so that a name configured twice keeps its first position and its last field.
  const m = new Map<string, IdentityField>();
  const put = (name: string, field: IdentityField) => {
    if (name !== "") m.set(name.toLowerCase(), field);
  };
  put(names.workloadId, (i) => i?.id);
  put(names.trustDomain, (i) => i?.trustDomain);
  put(names.proxyId, (i) => i?.proxy?.id);
  put(names.authMethod, (i) => i?.method);
  known = { fields: [...m], names: new Set(m.keys()) };
  identityHeaderCache.set(names, known);
  return known;
}

const NOTHING: ReadonlySet<string> = new Set();

/** The gRPC status of every allow: shared, like the ok_response parts below. */
const OK_STATUS = Object.freeze({ code: GRPC_OK, message: "", details: Object.freeze([]) as unknown as [] });

export function allowResponse(
  decision: Decision | undefined,
  identity: PolicyIdentity | undefined,
  names: IdentityHeaderNames,
  decisionId: string,
): CheckResponse {
  return {
    status: OK_STATUS,
    okResponse: okResponseFor(decision, identity, names),
    dynamicMetadata: { ...(decision?.dynamicMetadata ?? {}), decision_id: decisionId },
  };
}

/**
 * ok_response for a decision and identity. A decision the engine shares between requests (frozen)
 * and the authenticator's shared identity (frozen) give the same ok_response every time: it is
 * built once, frozen, and kept with them (the encoder keeps its bytes too: response-encoder.ts),
 * instead of a dozen objects per allow.
 */
function okResponseFor(
  decision: Decision | undefined,
  identity: PolicyIdentity | undefined,
  names: IdentityHeaderNames,
): OkHttpResponse {
  const decisionKey: object | undefined = decision === undefined ? NO_DECISION : decision;
  const identityKey: object | undefined = identity === undefined ? NO_IDENTITY : identity;
  if (!Object.isFrozen(decisionKey) || !Object.isFrozen(identityKey)) {
    return buildOkResponse(decision, identity, names);
  }
  let byDecision = okResponses.get(names);
  if (!byDecision) {
    byDecision = new WeakMap();
    okResponses.set(names, byDecision);
  }
  let byIdentity = byDecision.get(decisionKey);
  if (!byIdentity) {
    byIdentity = new WeakMap();
    byDecision.set(decisionKey, byIdentity);
  }
  let ok = byIdentity.get(identityKey);
  if (!ok) {
    ok = deepFreeze(buildOkResponse(decision, identity, names));
    byIdentity.set(identityKey, ok);
  }
  return ok;
}

const NO_DECISION = Object.freeze({});
const NO_IDENTITY = Object.freeze({});
const okResponses = new WeakMap<IdentityHeaderNames, WeakMap<object, WeakMap<object, OkHttpResponse>>>();

function buildOkResponse(
  decision: Decision | undefined,
  identity: PolicyIdentity | undefined,
  names: IdentityHeaderNames,
): OkHttpResponse {
  const id = identityHeaders(names);
  const headers = decision ? options(decision.headers, id.names) : [];
  // Each name once, in first-seen order (a short list: includes beats a Set and its copy).
  const toRemove: string[] = [];
  const remove = (name: string) => {
    if (!toRemove.includes(name)) toRemove.push(name);
  };
  for (const n of decision?.requestHeadersToRemove ?? []) {
    if (!id.names.has(n.toLowerCase())) remove(n);
  }
  for (const [name, field] of id.fields) {
    const value = field(identity);
    if (value === undefined) remove(name);
    else headers.push(option(name, value, false));
  }
  const queryParametersToSet: QueryParameter[] = [];
  if (decision) {
    for (const key of Object.keys(decision.queryParametersToSet)) {
      for (const value of decision.queryParametersToSet[key] as string[])
        queryParametersToSet.push({ key, value });
    }
  }
  return {
    headers,
    headersToRemove: toRemove,
    responseHeadersToAdd: decision ? options(decision.responseHeadersToAdd, NOTHING) : [],
    queryParametersToSet,
    queryParametersToRemove: decision ? decision.queryParametersToRemove.slice() : [],
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

const REASON_HEADERS: ReadonlySet<string> = new Set([REASON_HEADER]);

export function denyResponse(parts: DenyParts, decisionId: string): CheckResponse {
  const headers = options(parts.headers ?? {}, REASON_HEADERS);
  if (parts.reasonCode) headers.push(option(REASON_HEADER, parts.reasonCode, false));
  return {
    status: { code: GRPC_PERMISSION_DENIED, message: parts.reasonCode ?? "", details: [] },
    deniedResponse: { status: { code: parts.httpStatus }, headers, body: parts.body ?? "" },
    dynamicMetadata: { ...(parts.dynamicMetadata ?? {}), decision_id: decisionId },
  };
}
