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

/**
 * The JSON line for a record (with fields bounded and redacted): exactly what formatRecordCopy
 * writes. It runs once per Check on the gRPC thread, so for records laid out as check.ts builds
 * them (BASE_KEYS in order, then token fields) the line is written here rather than by copying
 * the record and serializing the copy: nearly every field needs neither JSON escaping nor
 * safeText, which one regex test decides (none when the field repeats its last such value, as
 * most do from one Check to the next), and is written as is. The other fields go through
 * safeText and JSON.stringify, any other record through formatRecordCopy. Over realistic
 * records that halves the time per line (a third of it when most fields repeat).
 */
export function formatRecord(r: AuditRecord): string {
  const keys = Object.keys(r);
  if (!usualBase(r, keys)) return formatRecordCopy(r);
  const base =
    `{"time":${str(r.time, 0)},"decision_id":${str(r.decision_id, 1)}` +
    `,"request_id":${text(r.request_id, 2)},"source_id":${text(r.source_id, 3)}` +
    `,"proxy_id":${text(r.proxy_id, 4)},"auth_method":${str(r.auth_method, 5)}` +
    `,"destination_principal":${text(r.destination_principal, 6)},"method":${text(r.method, 7)}` +
    `,"host":${text(r.host, 8)},"path":${text(r.path, 9)},"decision":${str(r.decision, 10)}` +
    `,"http_status":${num(r.http_status)},"reason_code":${text(r.reason_code, 11)}` +
    `,"reason":${text(r.reason, 12)},"policy_revision":${str(r.policy_revision, 13)}` +
    `,"latency_ms":${num(r.latency_ms)}`;
  // As formatRecordCopy decides whether the token fields go through safeText.
  const token =
    r.caller !== undefined ||
    r.transport_id !== undefined ||
    r.token_id !== undefined ||
    r.token_check !== undefined;
  if (keys.length === BASE_KEYS.length) {
    // Token fields only a prototype has: formatRecordCopy would add the redacted ones.
    return token ? formatRecordCopy(r) : `${base}}\n`;
  }
  const fields = r as unknown as Record<string, unknown>;
  let tail = "";
  let written = 0;
  for (let i = BASE_KEYS.length; i < keys.length; i++) {
    const k = keys[i] as string;
    const f = TOKEN_FIELDS.get(k);
    const v = fields[k];
    if (f === undefined || (v !== undefined && typeof v !== "string")) return formatRecordCopy(r);
    if (v === undefined) continue; // JSON.stringify leaves the key out
    tail += f.prefix + (f.text && token ? text(v, f.slot) : str(v, f.slot));
    if (f.text) written++;
  }
  if (token) {
    // A redacted token field only a prototype has: formatRecordCopy would add it.
    let present = 0;
    for (const k of TOKEN_TEXT_FIELDS) if (r[k] !== undefined) present++;
    if (present !== written) return formatRecordCopy(r);
  }
  return `${base}${tail}}\n`;
}

/** formatRecord's definition: the record with its free-text fields through safeText, as JSON. */
function formatRecordCopy(r: AuditRecord): string {
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

/** The fields every record has, in the order check.ts's object literal gives them. */
const BASE_KEYS = [
  "time",
  "decision_id",
  "request_id",
  "source_id",
  "proxy_id",
  "auth_method",
  "destination_principal",
  "method",
  "host",
  "path",
  "decision",
  "http_status",
  "reason_code",
  "reason",
  "policy_revision",
  "latency_ms",
] as const;

/** Whether r's own keys start with BASE_KEYS, in that order, and their values have their types. */
function usualBase(r: AuditRecord, keys: string[]): boolean {
  if (keys.length < BASE_KEYS.length) return false;
  for (let i = 0; i < BASE_KEYS.length; i++) if (keys[i] !== BASE_KEYS[i]) return false;
  return (
    typeof r.time === "string" &&
    typeof r.decision_id === "string" &&
    typeof r.request_id === "string" &&
    typeof r.source_id === "string" &&
    typeof r.proxy_id === "string" &&
    typeof r.auth_method === "string" &&
    typeof r.destination_principal === "string" &&
    typeof r.method === "string" &&
    typeof r.host === "string" &&
    typeof r.path === "string" &&
    typeof r.decision === "string" &&
    typeof r.http_status === "number" &&
    typeof r.reason_code === "string" &&
    typeof r.reason === "string" &&
    typeof r.policy_revision === "string" &&
    typeof r.latency_ms === "number"
  );
}

/**
 * The optional fields: the JSON text before the value, whether safeText may apply (in token
 * records), and a slot in `clean` (0-13 are the base string fields').
 */
const TOKEN_FIELDS = new Map<string, { prefix: string; text: boolean; slot: number }>();
for (const k of ["caller", ...TOKEN_TEXT_FIELDS] as const) {
  TOKEN_FIELDS.set(k, { prefix: `,"${k}":`, text: k !== "caller", slot: 14 + TOKEN_FIELDS.size });
}

/**
 * What keeps a field from being written as is: what JSON.stringify escapes (a quote, a
 * backslash, a control character, a surrogate: lone ones are escaped, the rare pairs are simply
 * left to it) and what safeText may change (SUSPECT).
 */
const DIRTY = /["\\\u0000-\u001f\u007f\ud800-\udfff]|-----BEGIN |eyJ/;

/**
 * Per string field (by slot), the last value written as is. Comparing with it costs less than
 * the regex test (often it is the very same string), and most fields repeat.
 */
const clean: string[] = new Array(14 + TOKEN_FIELDS.size).fill("");

function isClean(s: string, slot: number): boolean {
  if (s === clean[slot]) return true;
  if (s.length > MAX_FIELD || DIRTY.test(s)) return false;
  clean[slot] = s;
  return true;
}

/** The JSON text of a string field safeText does not apply to. */
function str(s: string, slot: number): string {
  return isClean(s, slot) ? `"${s}"` : JSON.stringify(s);
}

/** The JSON text of a string field through safeText. */
function text(s: string, slot: number): string {
  return isClean(s, slot) ? `"${s}"` : JSON.stringify(safeText(s));
}

/** A number as JSON.stringify writes it (null when not finite). */
function num(n: number): string {
  return Number.isFinite(n) ? `${n}` : "null";
}
