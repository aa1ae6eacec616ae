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
    doc: "URI SANs (e.g. Envoy's SPIFFE ID) allowed to call Check over mTLS; empty = any certificate the CA issued",
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
  // --- decisions ---
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
