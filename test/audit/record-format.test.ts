/**
 * formatRecord against its definition: JSON.stringify of the record with safeText applied to the
 * same fields as always, over seeded random records (text that needs JSON escaping or redaction,
 * lengths around safeText's bound, optional token fields, other key orders, non-finite numbers)
 * and records that are not laid out as check.ts builds them.
 */
import { describe, expect, it } from "vitest";
import { type AuditRecord, formatRecord, safeText } from "../../src/audit/record.js";
import { mulberry32, pick, type Rng } from "../support/prng.js";

const TOKEN_TEXT = [
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

/** The line formatRecord has always written: the record copied, free-text fields through safeText. */
function reference(r: AuditRecord): string {
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
    for (const k of TOKEN_TEXT) {
      const v = r[k];
      if (v !== undefined) out[k] = safeText(v);
    }
  }
  return `${JSON.stringify(out)}\n`;
}

/** formatRecord(r) is reference(r), or both throw the same error. */
function expectSameLine(r: AuditRecord, label: string): void {
  let want: string | Error;
  try {
    want = reference(r);
  } catch (e) {
    want = e as Error;
  }
  if (typeof want === "string") {
    expect(formatRecord(r), label).toBe(want);
  } else {
    expect(() => formatRecord(r), label).toThrow(want.message);
  }
}

const PIECES = [
  "spiffe://demo.example/ns/web/sa/frontend",
  "0b0c6f0e-5d0c-4d6e-9a57-000000000042",
  "/api/v1/payments/7/items",
  "policy allowed the request",
  "GET",
  "a",
  "-",
  "-----",
  "e",
  "ey",
  "eyj",
  "EYJ",
  "eyJ",
  "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln",
  "-----BEGIN ",
  "-----BEGIN CERTIFICATE-----MIIBszCCAVmgAwIBAgIU-----END CERTIFICATE-----",
  "----BEGIN ",
  "-----BEGIN",
  '"',
  "\\",
  '\\"',
  "\n",
  "\r\n",
  "\t",
  "\u0000",
  "\u001f",
  "\u007f",
  " ",
  "é",
  "中文",
  "\u2028\u2029",
  "\ud83d\ude00", // a surrogate pair
  "\ud83d", // lone high
  "\ude00", // lone low
  "\ude00\ud83d", // reversed: two lone ones
  "\uffff",
  "\u0080",
  "</script>",
  "{}[]:,",
];

/** Mostly clean text (the common case, the fast path), often something to escape or redact. */
function randomText(rng: Rng, pool: string[]): string {
  const roll = rng();
  // Values repeat from record to record in practice: reuse one, sometimes as a fresh copy.
  if (roll < 0.3 && pool.length > 0) {
    const s = pick(rng, pool);
    return rng() < 0.5 ? s : [...s].join("");
  }
  let s = "";
  if (roll < 0.5) {
    s = pick(rng, PIECES.slice(0, 6));
  } else {
    const n = 1 + Math.floor(rng() * 6);
    for (let i = 0; i < n; i++) s += pick(rng, PIECES);
  }
  const long = rng();
  if (long < 0.03) s = s.repeat(Math.ceil(2100 / Math.max(1, s.length)));
  else if (long < 0.06) s = "x".repeat(Math.max(0, 2047 - s.length + Math.floor(rng() * 3))) + s;
  if (pool.length < 200) pool.push(s);
  else pool[Math.floor(rng() * pool.length)] = s;
  return s;
}

function randomNumber(rng: Rng): number {
  return pick(rng, [
    200,
    403,
    0.183421,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    -0,
    -1.5,
    1e21,
    1e-7,
    Number.MAX_VALUE,
    Number.MIN_VALUE,
    rng() * 10,
    Math.floor(rng() * 1000),
  ]);
}

/** Keys in check.ts's order: its object literal, then addTokenFields. */
const BASE_ORDER = [
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
const TOKEN_ORDER = ["transport_id", "transport_method", "token_check", "caller", ...TOKEN_TEXT.slice(2, 8)];

function shuffled<T>(rng: Rng, xs: readonly T[]): T[] {
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

interface Generated {
  record: AuditRecord;
  usualOrder: boolean;
  tokenFields: number;
}

function randomRecord(rng: Rng, pool: string[]): Generated {
  const values: Record<string, unknown> = {};
  for (const k of BASE_ORDER) {
    if (k === "http_status" || k === "latency_ms") values[k] = randomNumber(rng);
    else if (k === "decision") values[k] = pick(rng, ["allow", "deny", "dry-run-deny"]);
    else values[k] = randomText(rng, pool);
  }
  const tokenKeys: string[] = [];
  if (rng() < 0.5) {
    for (const k of TOKEN_ORDER) {
      const roll = rng();
      if (roll < 0.5) continue;
      tokenKeys.push(k);
      // An own key whose value is undefined: JSON.stringify leaves it out.
      if (roll < 0.55) values[k] = undefined;
      else values[k] = k === "caller" ? pick(rng, ["token", "transport"]) : randomText(rng, pool);
    }
  }
  const roll = rng();
  let order: string[];
  if (roll < 0.6) order = [...BASE_ORDER, ...tokenKeys];
  else if (roll < 0.8) order = [...BASE_ORDER, ...shuffled(rng, tokenKeys)];
  else order = shuffled(rng, [...BASE_ORDER, ...tokenKeys]);
  const record: Record<string, unknown> = {};
  for (const k of order) record[k] = values[k];
  const usualOrder = BASE_ORDER.every((k, i) => order[i] === k);
  return { record: record as unknown as AuditRecord, usualOrder, tokenFields: tokenKeys.length };
}

describe("formatRecord", () => {
  it("equals JSON.stringify of the record with safeText applied, over seeded random records", () => {
    const rng = mulberry32(20260311);
    const pool: string[] = [];
    let usual = 0;
    let tokens = 0;
    let redacted = 0;
    const differing: { i: number; record: string; got: string; want: string }[] = [];
    for (let i = 0; i < 10_000; i++) {
      const { record, usualOrder, tokenFields } = randomRecord(rng, pool);
      const line = reference(record);
      const got = formatRecord(record);
      if (got !== line && differing.length < 5) {
        differing.push({ i, record: JSON.stringify(record), got, want: line });
      }
      if (usualOrder) usual++;
      if (usualOrder && tokenFields > 0) tokens++;
      if (line.includes("[redacted]") || line.includes("...")) redacted++;
    }
    expect(differing).toEqual([]);
    // The generator covers the fast path (check.ts's key order, with and without token fields)
    // as well as the other records and fields safeText changes.
    expect(usual).toBeGreaterThan(6_000);
    expect(tokens).toBeGreaterThan(2_000);
    expect(10_000 - usual).toBeGreaterThan(1_000);
    expect(redacted).toBeGreaterThan(1_000);
  });

  it("writes a value alike whether or not the same field held it (or something dirty) before", () => {
    const base = (over: Partial<AuditRecord>): AuditRecord => ({
      time: "2026-03-11T09:00:00.000Z",
      decision_id: "0b0c6f0e-5d0c-4d6e-9a57-000000000001",
      request_id: "bench-1-GET",
      source_id: "spiffe://demo.example/ns/web/sa/frontend",
      proxy_id: "",
      auth_method: "mtls",
      destination_principal: "spiffe://demo.example/ns/pay/sa/payments",
      method: "GET",
      host: "payments.demo.example",
      path: "/api/v1/payments/7/items",
      decision: "allow",
      http_status: 200,
      reason_code: "allowed",
      reason: "policy allowed the request",
      policy_revision: "sha256:3f1a9c2e",
      latency_ms: 0.183421,
      ...over,
    });
    const sequence: Partial<AuditRecord>[] = [
      {},
      {},
      { path: "/a\nb" },
      { path: "/a\nb" },
      { reason: 'say "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln"' },
      {},
      { host: "\ud83d" },
      { host: "payments.demo.example" },
      { source_id: `spiffe://demo.example/${"x".repeat(2040)}` },
      { source_id: `spiffe://demo.example/${"x".repeat(2040)}` },
      { source_id: "spiffe://demo.example/ns/web/sa/frontend" },
      { latency_ms: Number.NaN, http_status: Number.POSITIVE_INFINITY },
      { time: "2026-03-11T09:00:00.001Z\u0000", decision_id: "-----BEGIN x" },
      { time: "2026-03-11T09:00:00.001Z", decision_id: "0b0c6f0e-5d0c-4d6e-9a57-000000000002" },
    ];
    for (const [i, over] of sequence.entries()) {
      const r = base(over);
      expect(formatRecord(r), `step ${i}`).toBe(reference(r));
    }
  });

  it("writes check.ts's token records as before (token fields through safeText only with a token)", () => {
    const r: AuditRecord = {
      time: "2026-03-11T09:00:00.000Z",
      decision_id: "d",
      request_id: "r",
      source_id: "spiffe://a/b",
      proxy_id: "",
      auth_method: "wimse-wpt",
      destination_principal: "",
      method: "GET",
      host: "h",
      path: "/",
      decision: "allow",
      http_status: 200,
      reason_code: "allowed",
      reason: "",
      policy_revision: "1",
      latency_ms: 0.1,
    };
    // Only wit_kid set: not a token record, so formatRecord has never redacted it.
    const notToken: AuditRecord = { ...r, wit_kid: "eyJhbGciOiJFUzI1NiJ9.eyJ4IjoxfQ\n" };
    expect(formatRecord(notToken)).toBe(reference(notToken));
    expect(formatRecord(notToken)).toContain("eyJhbGciOiJFUzI1NiJ9");
    const token: AuditRecord = {
      ...r,
      transport_id: "spiffe://a/gw",
      transport_method: "mtls",
      caller: "token",
      token_id: "spiffe://a/b",
      token_method: "wimse-wpt",
      wit_kid: "eyJhbGciOiJFUzI1NiJ9.eyJ4IjoxfQ\n",
      wit_jti: "j-1",
      wit_iss: "https://issuer.example",
      proof_id: "p-1",
    };
    expect(formatRecord(token)).toBe(reference(token));
    expect(formatRecord(token)).not.toContain("eyJhbGciOiJFUzI1NiJ9");
    const failed: AuditRecord = { ...r, transport_id: "spiffe://a/gw", token_check: "wpt.aud\u0007" };
    expect(formatRecord(failed)).toBe(reference(failed));
  });

  it("formats records with unknown, missing, inherited or mistyped fields as the copy would", () => {
    const good = randomRecord(mulberry32(7), []).record;
    const usual = (): Record<string, unknown> => {
      const r: Record<string, unknown> = {};
      for (const k of BASE_ORDER) r[k] = (good as unknown as Record<string, unknown>)[k];
      r.request_id = "bench-1-GET";
      r.source_id = "spiffe://demo.example/ns/web/sa/frontend";
      return r;
    };
    const cases: [string, Record<string, unknown>][] = [
      ["an unknown key", { ...usual(), extra: "x\ny" }],
      ["an unknown key first", { extra: 1, ...usual() }],
      ["a numeric key", { ...usual(), 7: "seven" }],
      ["a missing redacted field", (({ path: _p, ...rest }) => rest)(usual())],
      ["a missing plain field", (({ time: _t, ...rest }) => rest)(usual())],
      ["an undefined plain field", { ...usual(), auth_method: undefined }],
      ["an undefined redacted field", { ...usual(), host: undefined }],
      ["a number in a redacted field", { ...usual(), method: 5 }],
      ["a string status", { ...usual(), http_status: "200" }],
      ["a boolean token field", { ...usual(), caller: "token", wit_jti: true }],
      ["a number token field without a token", { ...usual(), wit_jti: 5 }],
      ["a null field", { ...usual(), policy_revision: null }],
      ["an object field", { ...usual(), decision_id: { toJSON: () => "x" } }],
    ];
    const inheritedToken = Object.create({ token_id: "spiffe://a/\u0001b", wit_kid: "eyJabcdefghij.k" });
    Object.assign(inheritedToken, usual());
    cases.push(["inherited token fields", inheritedToken]);
    const inheritedBase = Object.create({ reason: "-----BEGIN CERT-----" });
    const { reason: _r, ...noReason } = usual();
    Object.assign(inheritedBase, noReason);
    cases.push(["an inherited redacted field", inheritedBase]);
    const ownAndInherited = Object.create({ wit_iss: "eyJabcdefghij.k" });
    Object.assign(ownAndInherited, usual(), { caller: "token", token_id: "t" });
    cases.push(["own and inherited token fields", ownAndInherited]);
    // Each field in turn with a value of another type (or none).
    for (const k of BASE_ORDER) {
      for (const odd of [undefined, null, 5, Number.NaN, "5", true, { toJSON: () => "j" }]) {
        cases.push([`${k}: ${String(odd)}`, { ...usual(), [k]: odd }]);
      }
    }
    for (const [label, r] of cases) expectSameLine(r as unknown as AuditRecord, label);
  });
});
