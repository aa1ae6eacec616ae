/**
 * One Check, start to end: request -> limits and parsing -> identity -> input -> policy ->
 * decision -> response and audit record. Synchronous (identity and policy evaluation are), never
 * throws: any unexpected error becomes a denial with reason internal_error.
 *
 * Order of refusals (each a denial with a stable reason code, before anything later runs):
 * no attributes / no HTTP request, header limits, path and query encoding, identity (unless the
 * request matches an identity-optional rule), body that claims JSON or form but does not parse;
 * then the policy, whose errors also deny.
 */
import { randomUUID } from "node:crypto";
import type { AuditDecision, AuditRecord } from "../audit/record.js";
import type { IdentityOptionalRule } from "../config/types.js";
import type { AttributeContext } from "../gen/envoy/service/auth/v3/attribute_context.js";
import type { CheckRequest, CheckResponse } from "../gen/envoy/service/auth/v3/external_auth.js";
import type { AuthResult, CertificateEvidence } from "../identity/types.js";
import type { PolicyEngine } from "../policy/types.js";
import { parseBody } from "./body.js";
import { collectHeaders, type HeaderLimits } from "./headers.js";
import { buildInput, type PolicyIdentity } from "./input.js";
import { isIdentityOptional } from "./optional.js";
import { parseTarget } from "./path.js";
import { Reason, RequestRejection } from "./reasons.js";
import { allowResponse, denyResponse, type IdentityHeaderNames } from "./response.js";

export interface Authenticator {
  authenticate(evidence: CertificateEvidence): AuthResult;
}

export interface CheckSettings {
  limits: HeaderLimits;
  identityOptional: readonly IdentityOptionalRule[];
  identityHeaders: IdentityHeaderNames;
  dryRun: boolean;
  denyStatus: number;
  identityFailureStatus: number;
  skipBodyParse: boolean;
}

export interface CheckDeps {
  authenticator: Authenticator;
  policy: PolicyEngine;
  settings: CheckSettings;
  newDecisionId?: () => string;
}

export interface CheckResult {
  response: CheckResponse;
  audit: AuditRecord;
}

interface Facts {
  decisionId: string;
  requestId: string;
  method: string;
  host: string;
  path: string;
  destination: string;
  auth?: AuthResult;
  revision: string;
}

export type Checker = (request: CheckRequest, startedAt?: bigint) => CheckResult;

export function createChecker(deps: CheckDeps): Checker {
  const newId = deps.newDecisionId ?? randomUUID;
  const names = deps.settings.identityHeaders;
  const hidden = new Set(
    [names.workloadId, names.trustDomain, names.proxyId, names.authMethod]
      .filter((n) => n !== "")
      .map((n) => n.toLowerCase()),
  );
  return (request, startedAt = process.hrtime.bigint()) => {
    const facts: Facts = {
      decisionId: newId(),
      requestId: "",
      method: "",
      host: "",
      path: "",
      destination: "",
      revision: deps.policy.revision,
    };
    let verdict: Verdict;
    try {
      verdict = decide(request, deps, facts, hidden);
    } catch (e) {
      verdict = stageDeny(deps, Reason.internalError, `internal error: ${(e as Error).message}`);
    }
    return finish(verdict, deps, facts, startedAt);
  };
}

interface Verdict {
  allowed: boolean;
  response: (decisionId: string) => CheckResponse;
  httpStatus: number;
  reasonCode: string;
  reason: string;
  identity?: PolicyIdentity;
}

function stageDeny(
  deps: CheckDeps,
  code: string,
  message: string,
  status = deps.settings.denyStatus,
): Verdict {
  return {
    allowed: false,
    httpStatus: status,
    reasonCode: code,
    reason: message,
    response: (id) => denyResponse({ httpStatus: status, reasonCode: code }, id),
  };
}

function decide(request: CheckRequest, deps: CheckDeps, facts: Facts, hidden: ReadonlySet<string>): Verdict {
  const { settings } = deps;
  const attrs: AttributeContext | undefined = request.attributes;
  if (!attrs) return stageDeny(deps, Reason.noAttributes, "CheckRequest has no attributes");
  const http = attrs.request?.http;
  facts.destination = attrs.destination?.principal ?? "";
  if (!http) return stageDeny(deps, Reason.noHttpRequest, "CheckRequest has no attributes.request.http");
  facts.method = http.method;
  facts.host = http.host;
  facts.path = pathOnly(http.path);
  const headers = collectHeaders(http, settings.limits);
  if (headers instanceof RequestRejection) return stageDeny(deps, headers.code, headers.message);
  facts.requestId = headers["x-request-id"] ?? "";
  const target = parseTarget(http.path);
  if (target instanceof RequestRejection) return stageDeny(deps, target.code, target.message);
  facts.path = target.path;

  const auth = deps.authenticator.authenticate({ sourceCertificate: attrs.source?.certificate, headers });
  facts.auth = auth;
  if (!auth.ok && !isIdentityOptional(settings.identityOptional, http.method, target.path)) {
    return stageDeny(deps, auth.code, auth.message, settings.identityFailureStatus);
  }
  const body = settings.skipBodyParse
    ? { truncated: headers["x-envoy-auth-partial-body"] === "true" }
    : parseBody(http, headers);
  if (body.problem) return stageDeny(deps, body.problem.code, body.problem.message);

  const input = buildInput({ request, target, body, auth, hiddenHeaders: hidden });
  const identity = input.identity as PolicyIdentity | undefined;
  const outcome = deps.policy.evaluate(input);
  facts.revision = outcome.revision;
  if (outcome.kind === "error") return { ...stageDeny(deps, outcome.code, outcome.message), identity };
  const d = outcome.decision;
  if (d.allowed) {
    return {
      allowed: true,
      httpStatus: 200,
      reasonCode: Reason.allowed,
      reason: "policy allowed the request",
      identity,
      response: (id) => allowResponse(d, identity, settings.identityHeaders, id),
    };
  }
  const status = d.httpStatus ?? settings.denyStatus;
  return {
    allowed: false,
    httpStatus: status,
    reasonCode: Reason.policyDenied,
    reason: "policy denied the request",
    identity,
    response: (id) =>
      denyResponse(
        { httpStatus: status, headers: d.headers, body: d.body, dynamicMetadata: d.dynamicMetadata },
        id,
      ),
  };
}

function finish(verdict: Verdict, deps: CheckDeps, facts: Facts, startedAt: bigint): CheckResult {
  let decision: AuditDecision = verdict.allowed ? "allow" : "deny";
  let response: CheckResponse;
  if (!verdict.allowed && deps.settings.dryRun) {
    decision = "dry-run-deny";
    response = allowResponse(undefined, verdict.identity, deps.settings.identityHeaders, facts.decisionId);
  } else {
    response = verdict.response(facts.decisionId);
  }
  const auth = facts.auth;
  const identity = auth?.ok ? auth.identity : undefined;
  const audit: AuditRecord = {
    time: new Date().toISOString(),
    decision_id: facts.decisionId,
    request_id: facts.requestId,
    source_id: identity?.id ?? "",
    proxy_id: auth?.proxy?.id ?? "",
    auth_method: identity?.method ?? "",
    destination_principal: facts.destination,
    method: facts.method,
    host: facts.host,
    path: facts.path,
    decision,
    http_status: verdict.allowed ? 200 : verdict.httpStatus,
    reason_code: verdict.reasonCode,
    reason: verdict.reason,
    policy_revision: facts.revision,
    latency_ms: Number(process.hrtime.bigint() - startedAt) / 1e6,
  };
  return { response, audit };
}

function pathOnly(path: string): string {
  const q = path.search(/[?#]/);
  return q >= 0 ? path.slice(0, q) : path;
}
