/**
 * Every configuration option, in one table: its YAML key, type, default and documentation. The
 * loader (load.ts), the flag and environment mapping (sources.ts) and the README table are all
 * derived from this list, so an option cannot exist in one place and not the others.
 */

export type OptionType = "string" | "int" | "bool" | "list" | "json";

export interface OptionSpec {
  /** Dotted YAML path, e.g. "listen.address". */
  readonly key: string;
  readonly type: OptionType;
  readonly default: unknown;
  readonly doc: string;
  /** Returns a problem description when the (typed) value is invalid. */
  readonly check?: (value: never) => string | undefined;
}

const ADDRESS_PROBLEM = "expected host:port or unix:///path";

/** host:port (IPv6 in brackets) or unix:///absolute/or/relative/path. */
export function checkListenAddress(value: string): string | undefined {
  if (value.startsWith("unix://")) return value.length > "unix://".length ? undefined : ADDRESS_PROBLEM;
  const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]*):(\d{1,5})$/.exec(value);
  if (!m) return ADDRESS_PROBLEM;
  const port = Number(m[2]);
  return port <= 65535 ? undefined : `${ADDRESS_PROBLEM} (port ${port} out of range)`;
}

function positive(max: number) {
  return (v: number) => (v > 0 && v <= max ? undefined : `expected an integer between 1 and ${max}`);
}

function httpStatus(v: number) {
  return v >= 200 && v <= 599 ? undefined : "expected an HTTP status between 200 and 599";
}

function headerName(v: string) {
  return v === "" || /^[a-z0-9!#$%&'*+.^_`|~-]+$/.test(v)
    ? undefined
    : "expected a lower-case HTTP header name (or empty to disable)";
}

/** The token stage's supported algorithms (src/identity/tokens/config.ts SUPPORTED_ALGORITHMS). */
const ALGORITHMS = new Set(["ES256", "ES384", "EdDSA", "PS256", "RS256"]);

function checkAlgorithms(v: string[]): string | undefined {
  if (v.length === 0) return "expected at least one algorithm";
  for (const a of v) {
    if (a.toLowerCase() === "none" || /^HS/i.test(a)) return `${a} is refused: only asymmetric algorithms`;
    if (!ALGORITHMS.has(a))
      return `unknown algorithm ${JSON.stringify(a)} (expected ${[...ALGORITHMS].join(", ")})`;
  }
  return undefined;
}

/** A target URI: http(s), a host, no query, fragment or user info. */
export function checkTarget(t: string): string | undefined {
  let u: URL;
  try {
    u = new URL(t);
  } catch {
    return `${JSON.stringify(t)} is not a URI`;
  }
  if (u.protocol !== "https:" && u.protocol !== "http:")
    return `${JSON.stringify(t)}: expected https:// (or http://)`;
  if (u.search !== "" || u.hash !== "" || t.includes("?") || t.includes("#"))
    return `${JSON.stringify(t)}: a target URI has no query or fragment`;
  if (u.username !== "" || u.password !== "") return `${JSON.stringify(t)}: no user info`;
  return undefined;
}

function checkTargets(v: string[]): string | undefined {
  for (const t of v) {
    const p = checkTarget(t);
    if (p) return p;
  }
  return undefined;
}

export const OPTIONS: readonly OptionSpec[] = [
  // --- listener ---
  {
    key: "listen.address",
    type: "string",
    default: "0.0.0.0:9191",
    doc: "gRPC listener: host:port or unix:///path",
    check: checkListenAddress,
  },
  {
    key: "listen.max_receive_message_bytes",
    type: "int",
    default: 4 * 1024 * 1024,
    doc: "largest CheckRequest accepted; larger ones fail with RESOURCE_EXHAUSTED",
    check: positive(1024 * 1024 * 1024),
  },
  { key: "listen.reflection", type: "bool", default: false, doc: "serve gRPC server reflection" },
  {
    key: "listen.tls.cert_file",
    type: "string",
    default: "",
    doc: "PEM certificate chain of the listener; enables TLS (with key_file)",
  },
  { key: "listen.tls.key_file", type: "string", default: "", doc: "PEM private key of the listener" },
  {
    key: "listen.tls.client_ca_file",
    type: "string",
    default: "",
    doc: "PEM CA certificates; when set, callers must present a client certificate issued by them (mTLS)",
  },
  {
    key: "listen.tls.allowed_client_ids",
    type: "list",
    default: [],
    doc: "URI SANs (e.g. Envoy's SPIFFE ID) allowed to call Check and Health over mTLS (Health also admits the service's own ID, for its probe); empty = any certificate the CA issued",
  },
  // --- metrics ---
  {
    key: "metrics.address",
    type: "string",
    default: "0.0.0.0:9464",
    doc: 'Prometheus HTTP listener host:port; "" disables metrics',
    check: (v: string) => (v === "" ? undefined : checkListenAddress(v)),
  },
  { key: "metrics.path", type: "string", default: "/metrics", doc: "HTTP path of the metrics" },
  // --- identity ---
  {
    key: "identity.demo_pki_dir",
    type: "string",
    default: "demo-pki",
    doc: "demo PKI folder: generated on first run when identity.trust_domains is empty, then used for trust bundles",
  },
  {
    key: "identity.trust_domains",
    type: "json",
    default: [],
    doc: "list of {trust_domain, bundle_file | bundle_url, endpoint_ca_file?, intermediates_file?, crl_files?, crl_urls?}: the CA bundle (PEM or SPIFFE JSON file, watched, or SPIFFE bundle endpoint) of each trusted trust domain, its intermediates and CRLs; empty = the demo PKI",
  },
  {
    key: "identity.trusted_proxies",
    type: "list",
    default: [],
    doc: "workload IDs of proxies (middleboxes) whose x-forwarded-client-cert / Client-Cert headers are believed; empty with the demo PKI = its middlebox",
  },
  {
    key: "identity.forwarded_cert_from_untrusted",
    type: "string",
    default: "deny",
    doc: "forwarded-certificate headers from any other peer: deny the request or ignore the headers",
    check: (v: string) => (v === "deny" || v === "ignore" ? undefined : "expected deny or ignore"),
  },
  {
    key: "identity.eku",
    type: "string",
    default: "clientAuth-if-present",
    doc: "extended key usage rule for client certificates: clientAuth-if-present, clientAuth-required or spiffe-strict",
    check: (v: string) =>
      ["clientAuth-if-present", "clientAuth-required", "spiffe-strict"].includes(v)
        ? undefined
        : "expected clientAuth-if-present, clientAuth-required or spiffe-strict",
  },
  {
    key: "identity.cache_max_entries",
    type: "int",
    default: 10_000,
    doc: "verified-chain cache size (0 disables the cache)",
    check: (v: number) =>
      v >= 0 && v <= 10_000_000 ? undefined : "expected an integer between 0 and 10000000",
  },
  {
    key: "identity.optional",
    type: "json",
    default: [
      { path: "/healthz", methods: ["GET", "HEAD"] },
      { path: "/readyz", methods: ["GET", "HEAD"] },
    ],
    doc: "identity-optional request matches: list of {path | path_prefix, methods?}; the policy runs without identity and sees identity_error (default: the demo policy's health paths; [] = identity always required)",
  },
  // --- application-level tokens (WIT + WPT / HTTP signature), docs/tokens.md ---
  {
    key: "tokens.targets",
    type: "list",
    default: [],
    doc: "this service's target URIs (scheme://host[:port][/path], no query or fragment): the accepted WPT aud / HTTP-signature wimse-aud values, never taken from Host; empty with the demo PKI = the demo targets",
    check: checkTargets,
  },
  {
    key: "tokens.trust_domains",
    type: "json",
    default: [],
    doc: "list of {trust_domain, jwks_file | jwks_url | bundle_file | bundle_url, endpoint_ca_file?, issuers?}: where each trust domain's WIT signing keys come from (JWKS, or a SPIFFE bundle's jwt-svid keys; files watched, https URLs refreshed); empty with the demo PKI = its WIT issuer keys",
  },
  {
    key: "tokens.algorithms",
    type: "list",
    default: ["ES256", "ES384", "EdDSA", "PS256", "RS256"],
    doc: "JWS algorithms accepted for WITs, WPTs and HTTP signatures (asymmetric only: none and HS* are refused)",
    check: checkAlgorithms,
  },
  {
    key: "tokens.clock_skew_seconds",
    type: "int",
    default: 60,
    doc: "tolerance for exp / nbf / iat / created / expires",
    check: (v: number) => (v >= 0 && v <= 600 ? undefined : "expected an integer between 0 and 600"),
  },
  {
    key: "tokens.wit_max_lifetime_seconds",
    type: "int",
    default: 86_400,
    doc: "a WIT whose exp is further than this in the future is refused",
    check: positive(30 * 86_400),
  },
  {
    key: "tokens.proof_max_lifetime_seconds",
    type: "int",
    default: 300,
    doc: "a WPT exp / HTTP-signature expires further than this in the future is refused (also the replay window)",
    check: positive(3600),
  },
  {
    key: "tokens.proof",
    type: "string",
    default: "either",
    doc: "accepted proof of possession: wpt, http-sig or either",
    check: (v: string) =>
      v === "wpt" || v === "http-sig" || v === "either" ? undefined : "expected wpt, http-sig or either",
  },
  {
    key: "tokens.replay_cache_max_entries",
    type: "int",
    default: 100_000,
    doc: "WPT jti / signature nonce replay cache size (per replica: see docs/tokens.md)",
    check: positive(10_000_000),
  },
  {
    key: "tokens.other_token_headers",
    type: "list",
    default: [],
    doc: "lower-case names of further token headers a WPT must bind with oth when present",
    check: (v: string[]) =>
      v.every((h) => h !== "" && headerName(h) === undefined)
        ? undefined
        : "expected lower-case HTTP header names",
  },
  {
    key: "tokens.caller",
    type: "string",
    default: "token",
    doc: "when a request carries a verified token AND a transport identity (mTLS / XFCC), which one is input.identity (the other stays in input.identity.transport / .token)",
    check: (v: string) => (v === "token" || v === "transport" ? undefined : "expected token or transport"),
  },
  {
    key: "tokens.require_transport",
    type: "bool",
    default: true,
    doc: "a request with a token must also carry a verified transport identity (mTLS or a trusted proxy's XFCC); a presented certificate that fails is never ignored either way",
  },
  // --- policy ---
  {
    key: "policy.dir",
    type: "string",
    default: "policies",
    doc: "directory of .rego and data files compiled at start (ignored when policy.bundle is set)",
  },
  {
    key: "policy.bundle",
    type: "string",
    default: "",
    doc: "OPA Wasm bundle (.tar.gz with /policy.wasm) to load instead of policy.dir",
  },
  {
    key: "policy.entrypoint",
    type: "string",
    default: "envoy/authz/allow",
    doc: "decision path evaluated for every Check",
    check: (v: string) =>
      /^[A-Za-z0-9_]+(\/[A-Za-z0-9_]+)*$/.test(v) ? undefined : "expected a path like envoy/authz/allow",
  },
  {
    key: "policy.watch",
    type: "bool",
    default: true,
    doc: "reload the policy when its files change (SIGHUP always reloads)",
  },
  {
    key: "policy.max_file_bytes",
    type: "int",
    default: 16 * 1024 * 1024,
    doc: "largest .rego or data file accepted in policy.dir (bytes); a larger one fails the load with bundle_too_large",
    check: positive(1024 * 1024 * 1024),
  },
  // --- decisions ---
  {
    key: "decision.thread",
    type: "bool",
    default: true,
    doc: "decide Checks on a worker thread of their own, so the gRPC thread only does gRPC (serve); false: on the gRPC thread",
  },
  {
    key: "decision.inline_when_idle",
    type: "bool",
    default: true,
    doc: "with decision.thread: decide a Check on the gRPC thread while that thread is not busy and the decision thread has few in flight (no thread hop at moderate rates; sustained overload still goes to the decision thread); costs a second copy of the identity and policy runtimes",
  },
  {
    key: "decision.dry_run",
    type: "bool",
    default: false,
    doc: "decide and audit, but always allow (audit shows dry-run-deny)",
  },
  {
    key: "decision.deny_status",
    type: "int",
    default: 403,
    doc: "HTTP status of denials when the policy gives none",
    check: httpStatus,
  },
  {
    key: "decision.identity_failure_status",
    type: "int",
    default: 403,
    doc: "HTTP status when identity verification fails",
    check: httpStatus,
  },
  {
    key: "decision.headers.workload_id",
    type: "string",
    default: "x-wimse-workload-id",
    doc: "upstream header carrying the verified workload ID on allow (client copies are always removed)",
    check: headerName,
  },
  {
    key: "decision.headers.trust_domain",
    type: "string",
    default: "x-wimse-trust-domain",
    doc: "upstream header carrying the verified trust domain",
    check: headerName,
  },
  {
    key: "decision.headers.proxy_id",
    type: "string",
    default: "x-wimse-proxy-id",
    doc: "upstream header carrying the proxy's workload ID when the identity came through one",
    check: headerName,
  },
  {
    key: "decision.headers.auth_method",
    type: "string",
    default: "x-wimse-auth-method",
    doc: "upstream header carrying how the identity was established (mtls, xfcc, ...)",
    check: headerName,
  },
  // --- request limits ---
  {
    key: "request.max_header_value_bytes",
    type: "int",
    default: 16 * 1024,
    doc: "largest single header value; larger denies with header_too_large",
    check: positive(64 * 1024 * 1024),
  },
  {
    key: "request.max_headers_bytes",
    type: "int",
    default: 96 * 1024,
    doc: "largest total of header names and values; larger denies with headers_too_large",
    check: positive(256 * 1024 * 1024),
  },
  {
    key: "request.max_headers_count",
    type: "int",
    default: 200,
    doc: "most headers in one request; more denies with too_many_headers",
    check: positive(100_000),
  },
  {
    key: "request.skip_body_parse",
    type: "bool",
    default: false,
    doc: "do not build parsed_body",
  },
  // --- audit ---
  {
    key: "audit.output",
    type: "string",
    default: "stdout",
    doc: 'where audit lines go: "stdout", "stderr" or a file path (appended)',
    check: (v: string) => (v === "" ? "expected stdout, stderr or a file path" : undefined),
  },
  // --- lifecycle ---
  {
    key: "shutdown.grace_ms",
    type: "int",
    default: 10_000,
    doc: "on SIGTERM/SIGINT: how long in-flight checks may take before the server is forced down",
    check: positive(600_000),
  },
];
