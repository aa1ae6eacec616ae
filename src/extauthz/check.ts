/**
 * One Check, start to end: request -> limits and parsing -> identity -> input -> policy ->
 * decision -> response and audit record. Never throws: any unexpected error becomes a denial with
 * reason internal_error.
 *
 * Synchronous for every request without a Workload-Identity-Token header (the fast path: the
 * transport identity and policy evaluation are synchronous). A request with one goes through the
 * token stage (WIT + WPT or HTTP signature, src/identity/tokens), which is asynchronous: the
 * checker then returns a Promise.
 *
 * Order of refusals (each a denial with a stable reason code, before anything later runs):
 * no attributes / no HTTP request, header limits, path and query encoding, identity (unless the
 * request matches an identity-optional rule), body that claims JSON or form but does not parse;
 * then the policy, whose errors also deny. With a token, the identity step is: a presented
 * certificate (or forwarded certificate) that fails verification denies (never ignored); no
 * transport identity denies when tokens.require_transport is set; then the token must verify
 * (failures: HTTP 400 with an RFC 9457 problem body naming the check). Identity denials carry a
 * problem body too.
 */
import { type AuditDecision, type AuditRecord, recordTime } from "../audit/record.js";
import type { IdentityOptionalRule } from "../config/types.js";
import type { AttributeContext } from "../gen/envoy/service/auth/v3/attribute_context.js";
import type { CheckRequest, CheckResponse } from "../gen/envoy/service/auth/v3/external_auth.js";
import type { TokenAuthenticator, TokenFailure } from "../identity/tokens/types.js";
import type { AuthResult, CertificateEvidence } from "../identity/types.js";
import type { PolicyEngine } from "../policy/types.js";
import { parseBody } from "./body.js";
import { newDecisionId } from "./decision-id.js";
import { collectHeaders, type HeaderLimits } from "./headers.js";
import { policyIdentity, type TokenContext } from "./identity-input.js";
import { buildInput, type InputParts, type PolicyIdentity } from "./input.js";
import { inputText } from "./input-text.js";
import { isIdentityOptional } from "./optional.js";
import { parseTarget } from "./path.js";
import { PROBLEM_HEADERS, type Problem, problemBody } from "./problem.js";
import { Reason, RequestRejection } from "./reasons.js";
import { allowResponse, denyResponse, type IdentityHeaderNames } from "./response.js";
import { requestView, WIT_HEADER } from "./tokens.js";

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
  /** Token stage settings (config tokens.caller / tokens.require_transport); default token / true. */
  tokens?: TokenSettings;
}

export interface TokenSettings {
  caller: "token" | "transport";
  requireTransport: boolean;
}

const DEFAULT_TOKEN_SETTINGS: TokenSettings = { caller: "token", requireTransport: true };

export interface CheckDeps {
  authenticator: Authenticator;
  /** The token stage; without it a request carrying a Workload-Identity-Token is denied. */
  tokens?: Pick<TokenAuthenticator, "authenticate">;
  policy: PolicyEngine;
  settings: CheckSettings;
  newDecisionId?: () => string;
  /**
   * Decline requests with a Workload-Identity-Token instead of deciding them (TOKEN_STAGE_ELSEWHERE):
   * for a checker without the token stage whose caller sends such requests where it runs.
   */
  declineTokens?: boolean;
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
  /** Set when the request carried a Workload-Identity-Token. */
  token?: { context?: TokenContext; failure?: TokenFailure };
}

/** Synchronous for requests without a Workload-Identity-Token header, a Promise for the others. */
export type Checker = (request: CheckRequest, startedAt?: bigint) => CheckResult | Promise<CheckResult>;

/**
 * What a checker made with `declineTokens` returns, instead of deciding, for a request with a
 * Workload-Identity-Token header (under any spelling, in either header field): the token stage runs
 * elsewhere (the decision thread, which holds the replay cache). Nothing was verified or recorded.
 */
export const TOKEN_STAGE_ELSEWHERE: unique symbol = Symbol("token stage elsewhere");

/** A checker that declines requests with a Workload-Identity-Token (createChecker's declineTokens). */
export type DecliningChecker = (
  request: CheckRequest,
  startedAt?: bigint,
) => CheckResult | typeof TOKEN_STAGE_ELSEWHERE;

export function createChecker(deps: CheckDeps & { declineTokens: true }): DecliningChecker;
export function createChecker(deps: CheckDeps): Checker;
export function createChecker(
  deps: CheckDeps,
): (
  request: CheckRequest,
  startedAt?: bigint,
) => CheckResult | Promise<CheckResult> | typeof TOKEN_STAGE_ELSEWHERE {
  const decline = deps.declineTokens === true;
  const newId = deps.newDecisionId ?? newDecisionId;
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
    let verdict: Verdict | Promise<Verdict> | typeof TOKEN_STAGE_ELSEWHERE;
    try {
      verdict = decide(request, deps, facts, hidden, decline);
    } catch (e) {
      verdict = internalError(deps, e);
    }
    if (verdict === TOKEN_STAGE_ELSEWHERE) return verdict;
    if (verdict instanceof Promise) {
      return verdict.then(
        (v) => finish(v, deps, facts, startedAt),
        (e: unknown) => finish(internalError(deps, e), deps, facts, startedAt),
      );
    }
    return finish(verdict, deps, facts, startedAt);
  };
}

function internalError(deps: CheckDeps, e: unknown): Verdict {
  return stageDeny(deps, Reason.internalError, `internal error: ${(e as Error)?.message ?? String(e)}`);
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

/** A denial with an RFC 9457 problem body (identity and token failures). */
function problemDeny(p: Problem): Verdict {
  return {
    allowed: false,
    httpStatus: p.status,
    reasonCode: p.code,
    reason: p.detail,
    response: (id) =>
      denyResponse(
        { httpStatus: p.status, reasonCode: p.code, headers: PROBLEM_HEADERS, body: problemBody(p, id) },
        id,
      ),
  };
}

function transportDeny(deps: CheckDeps, auth: Extract<AuthResult, { ok: false }>): Verdict {
  return problemDeny({
    status: deps.settings.identityFailureStatus,
    code: auth.code,
    check: "transport",
    detail: auth.message,
    kind: "transport",
  });
}

function decide(
  request: CheckRequest,
  deps: CheckDeps,
  facts: Facts,
  hidden: ReadonlySet<string>,
  declineTokens: boolean,
): Verdict | Promise<Verdict> | typeof TOKEN_STAGE_ELSEWHERE {
  const { settings } = deps;
  const attrs: AttributeContext | undefined = request.attributes;
  if (!attrs) return stageDeny(deps, Reason.noAttributes, "CheckRequest has no attributes");
  const http = attrs.request?.http;
  facts.destination = attrs.destination?.principal ?? "";
  if (!http) return stageDeny(deps, Reason.noHttpRequest, "CheckRequest has no attributes.request.http");
  facts.method = http.method;
  facts.host = http.host;
  const headers = collectHeaders(http, settings.limits);
  if (headers instanceof RequestRejection) {
    facts.path = pathOnly(http.path);
    return stageDeny(deps, headers.code, headers.message);
  }
  // Collected names are lower case, from `headers` or `header_map`: this finds every spelling.
  if (declineTokens && headers[WIT_HEADER] !== undefined) return TOKEN_STAGE_ELSEWHERE;
  facts.requestId = headers["x-request-id"] ?? "";
  const target = parseTarget(http.path);
  if (target instanceof RequestRejection) {
    facts.path = pathOnly(http.path);
    return stageDeny(deps, target.code, target.message);
  }
  facts.path = target.path;

  const auth = deps.authenticator.authenticate({ sourceCertificate: attrs.source?.certificate, headers });
  facts.auth = auth;
  const parsed: Parsed = { request, http, headers, target, deps, facts, hidden };
  if (headers[WIT_HEADER] !== undefined) return decideWithToken(parsed);
  if (!auth.ok && !isIdentityOptional(settings.identityOptional, http.method, target.path)) {
    return transportDeny(deps, auth);
  }
  return authorize(parsed, undefined);
}

type Http = NonNullable<NonNullable<AttributeContext["request"]>["http"]>;

/** A request that passed parsing, with what the identity, token and policy stages share. */
interface Parsed {
  readonly request: CheckRequest;
  readonly http: Http;
  readonly headers: Readonly<Record<string, string>>;
  readonly target: Exclude<ReturnType<typeof parseTarget>, RequestRejection>;
  readonly deps: CheckDeps;
  readonly facts: Facts;
  readonly hidden: ReadonlySet<string>;
}

/**
 * The token path: the transport identity first (a presented certificate that fails is never
 * ignored; none at all is refused when tokens.require_transport is set), then the token stage.
 */
async function decideWithToken(parsed: Parsed): Promise<Verdict> {
  const { http, headers, deps, facts } = parsed;
  const tokenSettings = deps.settings.tokens ?? DEFAULT_TOKEN_SETTINGS;
  facts.token = {};
  const auth = facts.auth as AuthResult;
  if (!auth.ok) {
    if (auth.code !== "no_certificate") return transportDeny(deps, auth);
    if (tokenSettings.requireTransport) {
      return problemDeny({
        status: deps.settings.identityFailureStatus,
        code: Reason.transportIdentityRequired,
        check: "transport",
        detail:
          "a workload identity token needs a verified transport identity too (mTLS or a trusted proxy's XFCC): tokens.require_transport",
        kind: "transport",
      });
    }
  }
  const tokenFailure = (f: Pick<TokenFailure, "code" | "check" | "message" | "status">): Verdict => {
    facts.token = { failure: { ok: false, ...f } };
    return problemDeny({ status: f.status, code: f.code, check: f.check, detail: f.message, kind: "token" });
  };
  if (!deps.tokens) {
    return tokenFailure({
      code: Reason.tokensNotConfigured,
      check: "tokens",
      message: "this service does not accept workload identity tokens",
      status: 400,
    });
  }
  const result = await deps.tokens.authenticate(requestView(http, headers));
  if (!result.present) {
    return tokenFailure({
      code: Reason.internalError,
      check: "tokens",
      message: "the token stage found no Workload-Identity-Token header",
      status: 400,
    });
  }
  if (!result.ok) return tokenFailure(result);
  const context: TokenContext = { identity: result.identity, caller: tokenSettings.caller };
  facts.token = { context };
  return authorize(parsed, context);
}

/** Body, policy input, policy evaluation and the verdict (both paths). */
function authorize(parsed: Parsed, token: TokenContext | undefined): Verdict {
  const { request, http, headers, target, deps, facts, hidden } = parsed;
  const { settings } = deps;
  const auth = facts.auth;
  const body = settings.skipBodyParse
    ? { truncated: headers["x-envoy-auth-partial-body"] === "true" }
    : parseBody(http, headers);
  if (body.problem) return stageDeny(deps, body.problem.code, body.problem.message);

  // The input is written for the paths the policy reads, when the engine says which (evaluateText).
  const identity = policyIdentity(auth, token);
  const parts: InputParts = { request, target, body, auth, token, hiddenHeaders: hidden };
  const outcome = deps.policy.evaluateText
    ? deps.policy.evaluateText((projection) => inputText(parts, projection))
    : deps.policy.evaluate(buildInput(parts));
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
    time: recordTime(),
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
  if (facts.token) addTokenFields(audit, facts.token, auth, verdict.identity);
  return { response, audit };
}

/**
 * Both identities of a token request (never the tokens): source_id / auth_method / proxy_id are
 * the caller's, as the policy saw it; transport_* and token_* are each identity by itself.
 */
function addTokenFields(
  audit: AuditRecord,
  token: NonNullable<Facts["token"]>,
  auth: AuthResult | undefined,
  caller: PolicyIdentity | undefined,
): void {
  if (auth?.ok) {
    audit.transport_id = auth.identity.id;
    audit.transport_method = auth.identity.method;
  }
  if (token.failure) {
    // No token identity: source_id stays the transport identity, the only one verified.
    audit.token_check = token.failure.check;
    return;
  }
  const t = token.context?.identity;
  if (!t) return;
  audit.caller = token.context?.caller === "transport" && auth?.ok ? "transport" : "token";
  if (caller) {
    audit.source_id = caller.id;
    audit.auth_method = caller.method;
    audit.proxy_id = caller.proxy?.id ?? "";
  }
  audit.token_id = t.id;
  audit.token_method = t.method;
  const wit = t.tokens.wit;
  if (wit.kid !== undefined) audit.wit_kid = wit.kid;
  if (wit.jti !== undefined) audit.wit_jti = wit.jti;
  if (wit.iss !== undefined) audit.wit_iss = wit.iss;
  const proof = t.tokens.proof;
  audit.proof_id = proof.kind === "wpt" ? proof.jti : proof.nonce;
}

function pathOnly(path: string): string {
  const q = path.search(/[?#]/);
  return q >= 0 ? path.slice(0, q) : path;
}
