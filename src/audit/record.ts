/**
 * One audit record per Check (wimse-mtls.md §4: time, source and target identity, authentication
 * method, decision, context). Only the fields below are ever written: no headers, certificates,
 * tokens, cookies or query strings, so secrets cannot reach the log by construction.
 */

export type AuditDecision = "allow" | "deny" | "dry-run-deny";

export interface AuditRecord {
  time: string;
  decision_id: string;
  request_id: string;
  source_id: string;
  proxy_id: string;
  auth_method: string;
  destination_principal: string;
  method: string;
  host: string;
  /** Path without the query string (queries may carry tokens). */
  path: string;
  decision: AuditDecision;
  http_status: number;
  reason_code: string;
  reason: string;
  policy_revision: string;
  latency_ms: number;
  /*
   * Present only for requests that carried a Workload-Identity-Token (both identities are
   * recorded, wimse-mtls.md §4; never the tokens themselves): which identity is source_id, the
   * transport identity (mTLS / XFCC) and the token identity with the facts needed to trace a
   * token (WIT kid / jti / iss, the proof's jti or nonce), or the check a token failed.
   */
  caller?: "token" | "transport";
  transport_id?: string;
  transport_method?: string;
  token_id?: string;
  token_method?: string;
  wit_kid?: string;
  wit_jti?: string;
  wit_iss?: string;
  /** WPT jti or HTTP-signature nonce. */
  proof_id?: string;
  /** The failed check (e.g. "wpt.aud") when the token stage denied. */
  token_check?: string;
}

/**
 * The record time, as new Date(ms).toISOString() writes it. That call costs about a microsecond
 * (a calendar computation per record); the text up to the seconds changes once a second, so it
 * is computed then and only the milliseconds are appended per record.
 */
export function recordTime(ms: number = Date.now()): string {
  const second = Math.floor(ms / 1000);
  if (second !== clock.second) {
    // Everything before "sss" + "Z" (years beyond 9999 have a longer, signed prefix).
    clock.prefix = new Date(second * 1000).toISOString().slice(0, -4);
    clock.second = second;
  }
  const milli = ms - second * 1000;
  return `${clock.prefix}${milli < 10 ? "00" : milli < 100 ? "0" : ""}${milli}Z`;
}

const clock = { second: Number.NaN, prefix: "" };

const TOKEN_TEXT_FIELDS = [
  "transport_id",
  "transport_method",
  "token_id",
  "token_method",
  "wit_kid",
  "wit_jti",
  "wit_iss",
  "proof_id",
  "token_check",
] as const;

const MAX_FIELD = 2048;
const PEM_OR_TOKEN = /-----BEGIN [^-]+-----|eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+/;
/** What safeText may change: a control character, or the start of a PEM block or a JWT. */
const SUSPECT = /[\u0000-\u001f\u007f]|-----BEGIN |eyJ/;

/** Bounds a free-text field and redacts anything that looks like a PEM block or a JWT. */
export function safeText(text: string): string {
  // Almost every field is short and clean: one scan decides, no copy.
  if (text.length <= MAX_FIELD && !SUSPECT.test(text)) return text;
  let t = text.length > MAX_FIELD ? `${text.slice(0, MAX_FIELD)}...` : text;
  if (PEM_OR_TOKEN.test(t)) t = t.replace(new RegExp(PEM_OR_TOKEN.source, "g"), "[redacted]");
  // Control characters would break the one-line-per-record format for naive readers.
  return t.replace(/[\u0000-\u001f\u007f]/g, "?");
}

/** The JSON line for a record (with fields bounded and redacted). */
export function formatRecord(r: AuditRecord): string {
  const out: AuditRecord = {
    ...r,
    request_id: safeText(r.request_id),
    source_id: safeText(r.source_id),
    proxy_id: safeText(r.proxy_id),
    destination_principal: safeText(r.destination_principal),
    method: safeText(r.method),
    host: safeText(r.host),
    path: safeText(r.path),
    reason: safeText(r.reason),
    reason_code: safeText(r.reason_code),
  };
  if (
    r.caller !== undefined ||
    r.transport_id !== undefined ||
    r.token_id !== undefined ||
    r.token_check !== undefined
  ) {
    for (const k of TOKEN_TEXT_FIELDS) {
      const v = r[k];
      if (v !== undefined) out[k] = safeText(v);
    }
  }
  return `${JSON.stringify(out)}\n`;
}
