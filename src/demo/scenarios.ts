/**
 * The calls the local demo makes, and the decision each must get under the default policy
 * (policies/) and built-in defaults. Identities come from the demo PKI (src/pki/demo.ts).
 */

/** Who opens the TLS connection: a demo workload, the on-the-fly impostor, or nobody (no certificate). */
export type Caller = { workload: string } | { impostor: true } | { anonymous: true };

/**
 * Where the call enters: the verifying sidecar, the ACCEPT_UNTRUSTED sidecar (both in front of
 * backend), the XFCC middlebox (in front of backend's sidecar), or the token middlebox: it
 * terminates TLS and calls billing's sidecar with its own certificate and no XFCC, so billing's
 * transport identity is the middlebox and the caller proves itself with WIMSE tokens.
 */
export type Entry = "sidecar" | "sidecar-accept-untrusted" | "middlebox" | "middlebox-tokens";

/** Application-level credentials the caller adds (minted with the demo PKI's WIT issuer). */
export interface TokenSpec {
  /** The demo workload the WIT names. */
  as: string;
  proof: "wpt" | "http-sig";
  /** WPT aud / wimse-aud; default the callee's demo target URI. */
  audience?: string;
  /** Send exactly the headers of the scenario with this title again (a replay). */
  replayOf?: string;
}

export interface Expectation {
  decision: "allow" | "deny";
  reasonCode: string;
  httpStatus: number;
}

export interface Scenario {
  /** Short label for the table. */
  title: string;
  caller: Caller;
  entry: Entry;
  method: string;
  path: string;
  /** The caller sends an XFCC header forwarding this workload's certificate itself. */
  forgedXfccFor?: string;
  tokens?: TokenSpec;
  /** Request body (JSON). */
  body?: string;
  expect: Expectation;
}

const allow: Expectation = { decision: "allow", reasonCode: "allowed", httpStatus: 200 };
const deny = (reasonCode: string, httpStatus = 403): Expectation => ({
  decision: "deny",
  reasonCode,
  httpStatus,
});

export const DEMO_SCENARIOS: readonly Scenario[] = [
  {
    title: "frontend -> backend API (ACL)",
    caller: { workload: "frontend" },
    entry: "sidecar",
    method: "GET",
    path: "/api/orders?limit=5",
    expect: allow,
  },
  {
    title: "frontend, method not granted",
    caller: { workload: "frontend" },
    entry: "sidecar",
    method: "DELETE",
    path: "/api/orders/42",
    expect: deny("policy_denied"),
  },
  {
    title: "billing (wimse://) callback",
    caller: { workload: "billing" },
    entry: "sidecar",
    method: "POST",
    path: "/callbacks/billing",
    expect: allow,
  },
  {
    title: "billing -> API not granted",
    caller: { workload: "billing" },
    entry: "sidecar",
    method: "GET",
    path: "/api/orders",
    expect: deny("policy_denied"),
  },
  {
    title: "health check, no certificate",
    caller: { anonymous: true },
    entry: "sidecar",
    method: "GET",
    path: "/healthz",
    expect: allow,
  },
  {
    title: "API call, no certificate",
    caller: { anonymous: true },
    entry: "sidecar",
    method: "GET",
    path: "/api/orders",
    expect: deny("no_certificate"),
  },
  {
    title: "revoked certificate (CRL)",
    caller: { workload: "revoked" },
    entry: "sidecar",
    method: "GET",
    path: "/api/orders",
    expect: deny("x509_revoked"),
  },
  {
    title: "self-signed impostor as frontend",
    caller: { impostor: true },
    entry: "sidecar-accept-untrusted",
    method: "GET",
    path: "/api/orders",
    expect: deny("x509_unknown_issuer"),
  },
  {
    title: "frontend via middlebox (XFCC)",
    caller: { workload: "frontend" },
    entry: "middlebox",
    method: "GET",
    path: "/api/orders",
    expect: allow,
  },
  {
    title: "XFCC forged by backend",
    caller: { workload: "backend" },
    entry: "sidecar",
    method: "GET",
    path: "/api/orders",
    forgedXfccFor: "frontend",
    expect: deny("xfcc_untrusted_peer"),
  },
  // The chain A -(mTLS)-> B -(WIT/WPT through the middlebox)-> C: A = frontend, B = backend,
  // C = billing. Hop 1 is the first scenario (frontend -> backend over mTLS); hop 2:
  {
    title: "chain: backend -> billing via middlebox, WIT+WPT",
    caller: { workload: "backend" },
    entry: "middlebox-tokens",
    method: "GET",
    path: "/invoices/7",
    tokens: { as: "backend", proof: "wpt" },
    expect: allow,
  },
  {
    title: "chain: same hop, HTTP signature + body",
    caller: { workload: "backend" },
    entry: "middlebox-tokens",
    method: "POST",
    path: "/invoices",
    body: '{"order":42,"amount":"19.90"}',
    tokens: { as: "backend", proof: "http-sig" },
    expect: allow,
  },
  {
    title: "middlebox alone (no token) -> billing",
    caller: { workload: "backend" },
    entry: "middlebox-tokens",
    method: "GET",
    path: "/invoices/7",
    expect: deny("policy_denied"),
  },
  {
    title: "replayed WPT (same headers again)",
    caller: { workload: "backend" },
    entry: "middlebox-tokens",
    method: "GET",
    path: "/invoices/7",
    tokens: { as: "backend", proof: "wpt", replayOf: "chain: backend -> billing via middlebox, WIT+WPT" },
    expect: deny("wpt_replayed", 400),
  },
  {
    title: "WPT for another audience (the Host)",
    caller: { workload: "backend" },
    entry: "middlebox-tokens",
    method: "GET",
    path: "/invoices/7",
    tokens: { as: "backend", proof: "wpt", audience: "https://middlebox" },
    expect: deny("wpt_aud_mismatch", 400),
  },
];
