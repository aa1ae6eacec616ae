/**
 * Builds the configuration: built-in defaults < YAML file < environment (WIMSE_AUTHZ_*) <
 * command-line flags. Every value is type-checked and validated; the first problem throws a
 * ConfigError naming its key.
 */
import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { ConfigError } from "./errors.js";
import { OPTIONS, type OptionSpec } from "./schema.js";
import { ENV_CONFIG_FILE, ENV_PREFIX, optionForEnv, optionForFlag, parseText } from "./sources.js";
import { tokenTrustDomains } from "./tokens.js";
import type { Config, IdentityOptionalRule, TokenCaller, TokenProofKind, TrustDomainEntry } from "./types.js";

export interface ConfigSources {
  /** YAML file path (from --config or WIMSE_AUTHZ_CONFIG). */
  file?: string;
  /** YAML text, instead of a file (tests). */
  yamlText?: string;
  env?: Readonly<Record<string, string | undefined>>;
  /** Flags as [name, value] pairs, e.g. ["--listen-address", "127.0.0.1:0"]. */
  flags?: ReadonlyArray<readonly [string, string]>;
}

const byKey = new Map(OPTIONS.map((o) => [o.key, o]));
const prefixes = new Set(
  OPTIONS.flatMap((o) =>
    o.key
      .split(".")
      .slice(0, -1)
      .map((_, i, parts) => parts.slice(0, i + 1).join(".")),
  ),
);

export function loadConfig(sources: ConfigSources = {}): Config {
  const values = new Map<string, unknown>(OPTIONS.map((o) => [o.key, structuredClone(o.default)]));
  const env = sources.env ?? {};
  const file = sources.file ?? env[ENV_CONFIG_FILE];
  let text = sources.yamlText;
  if (text === undefined && file) {
    try {
      text = readFileSync(file, "utf8");
    } catch (e) {
      throw new ConfigError("--config", `cannot read ${file}: ${(e as Error).message}`);
    }
  }
  if (text !== undefined) readYaml(text, values);
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith(ENV_PREFIX) || name === ENV_CONFIG_FILE || raw === undefined) continue;
    const spec = optionForEnv(name);
    if (!spec) throw new ConfigError(name, "unknown environment variable (no such option)");
    values.set(spec.key, parseText(spec, raw));
  }
  for (const [flag, raw] of sources.flags ?? []) {
    const spec = optionForFlag(flag);
    if (!spec) throw new ConfigError(flag, "unknown flag");
    values.set(spec.key, parseText(spec, raw));
  }
  for (const spec of OPTIONS) checkValue(spec, values.get(spec.key));
  const config = build(values);
  checkCrossField(config);
  return config;
}

function readYaml(text: string, values: Map<string, unknown>): void {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new ConfigError("(file)", `invalid YAML: ${(e as Error).message.split("\n")[0]}`);
  }
  if (doc === null || doc === undefined) return;
  walk(doc, "", values);
}

function walk(node: unknown, path: string, values: Map<string, unknown>): void {
  if (path !== "" && byKey.has(path)) {
    values.set(path, node);
    return;
  }
  if (path !== "" && !prefixes.has(path)) throw new ConfigError(path, "unknown option");
  if (typeof node !== "object" || node === null || Array.isArray(node)) {
    throw new ConfigError(path === "" ? "(file)" : path, "expected a mapping");
  }
  for (const [k, v] of Object.entries(node)) {
    const child = path === "" ? k : `${path}.${k}`;
    if (!byKey.has(child) && !prefixes.has(child)) throw new ConfigError(child, "unknown option");
    if (v === null && prefixes.has(child)) continue; // an empty section
    walk(v, child, values);
  }
}

function checkValue(spec: OptionSpec, value: unknown): void {
  const fail = (what: string) => {
    throw new ConfigError(spec.key, `expected ${what}, got ${describe(value)}`);
  };
  switch (spec.type) {
    case "string":
      if (typeof value !== "string") fail("a string");
      break;
    case "int":
      if (typeof value !== "number" || !Number.isSafeInteger(value)) fail("an integer");
      break;
    case "bool":
      if (typeof value !== "boolean") fail("true or false");
      break;
    case "list":
      if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) fail("a list of strings");
      break;
    case "json":
      break;
  }
  const problem = spec.check?.(value as never);
  if (problem) throw new ConfigError(spec.key, problem);
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "a mapping";
  return `${typeof v} ${JSON.stringify(v)}`;
}

function build(v: Map<string, unknown>): Config {
  const s = (k: string) => v.get(k) as string;
  const n = (k: string) => v.get(k) as number;
  const b = (k: string) => v.get(k) as boolean;
  const l = (k: string) => v.get(k) as string[];
  return {
    listen: {
      address: s("listen.address"),
      maxReceiveMessageBytes: n("listen.max_receive_message_bytes"),
      reflection: b("listen.reflection"),
      tls: {
        certFile: s("listen.tls.cert_file"),
        keyFile: s("listen.tls.key_file"),
        clientCaFile: s("listen.tls.client_ca_file"),
        allowedClientIds: l("listen.tls.allowed_client_ids"),
      },
    },
    metrics: { address: s("metrics.address"), path: s("metrics.path") },
    identity: {
      demoPkiDir: s("identity.demo_pki_dir"),
      trustDomains: trustDomains(v.get("identity.trust_domains")),
      trustedProxies: l("identity.trusted_proxies"),
      forwardedCertFromUntrusted: s("identity.forwarded_cert_from_untrusted") as "deny" | "ignore",
      eku: s("identity.eku") as Config["identity"]["eku"],
      cacheMaxEntries: n("identity.cache_max_entries"),
      optional: optionalRules(v.get("identity.optional")),
    },
    tokens: {
      targets: l("tokens.targets"),
      trustDomains: tokenTrustDomains(v.get("tokens.trust_domains")),
      algorithms: l("tokens.algorithms"),
      clockSkewSeconds: n("tokens.clock_skew_seconds"),
      witMaxLifetimeSeconds: n("tokens.wit_max_lifetime_seconds"),
      proofMaxLifetimeSeconds: n("tokens.proof_max_lifetime_seconds"),
      proof: s("tokens.proof") as TokenProofKind,
      replayCacheMaxEntries: n("tokens.replay_cache_max_entries"),
      otherTokenHeaders: l("tokens.other_token_headers"),
      caller: s("tokens.caller") as TokenCaller,
      requireTransport: b("tokens.require_transport"),
    },
    policy: {
      dir: s("policy.dir"),
      bundle: s("policy.bundle"),
      entrypoint: s("policy.entrypoint"),
      watch: b("policy.watch"),
      maxFileBytes: n("policy.max_file_bytes"),
    },
    decision: {
      thread: b("decision.thread"),
      inlineWhenIdle: b("decision.inline_when_idle"),
      dryRun: b("decision.dry_run"),
      denyStatus: n("decision.deny_status"),
      identityFailureStatus: n("decision.identity_failure_status"),
      headers: {
        workloadId: s("decision.headers.workload_id"),
        trustDomain: s("decision.headers.trust_domain"),
        proxyId: s("decision.headers.proxy_id"),
        authMethod: s("decision.headers.auth_method"),
      },
    },
    request: {
      maxHeaderValueBytes: n("request.max_header_value_bytes"),
      maxHeadersBytes: n("request.max_headers_bytes"),
      maxHeadersCount: n("request.max_headers_count"),
      skipBodyParse: b("request.skip_body_parse"),
    },
    audit: { output: s("audit.output") },
    shutdown: { graceMs: n("shutdown.grace_ms") },
  };
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

const TRUST_DOMAIN_KEYS = new Set([
  "trust_domain",
  "bundle_file",
  "bundle_url",
  "endpoint_ca_file",
  "intermediates_file",
  "crl_files",
  "crl_urls",
]);

function trustDomains(raw: unknown): TrustDomainEntry[] {
  const key = "identity.trust_domains";
  if (!Array.isArray(raw))
    throw new ConfigError(key, "expected a list of {trust_domain, bundle_file | bundle_url, ...}");
  const seen = new Set<string>();
  return raw.map((item, i) => {
    const at = `${key}[${i}]`;
    if (!isRecord(item)) throw new ConfigError(at, "expected a mapping {trust_domain, bundle_file, ...}");
    for (const k of Object.keys(item)) {
      if (!TRUST_DOMAIN_KEYS.has(k)) throw new ConfigError(`${at}.${k}`, "unknown option");
    }
    const td = item.trust_domain;
    if (typeof td !== "string" || !/^([a-z][a-z0-9+.-]*:\/\/)?[a-z0-9._-]+$/.test(td)) {
      throw new ConfigError(
        `${at}.trust_domain`,
        "expected a trust domain (prod.example) or origin (spiffe://prod.example)",
      );
    }
    if (seen.has(td)) throw new ConfigError(`${at}.trust_domain`, `${td} is listed twice`);
    seen.add(td);
    const file = (k: string, required: boolean): string | undefined => {
      const v = item[k];
      if (v === undefined && !required) return undefined;
      if (typeof v !== "string" || v === "") throw new ConfigError(`${at}.${k}`, "expected a file path");
      return v;
    };
    const list = (k: string): string[] => {
      const v = item[k];
      if (v === undefined) return [];
      if (!Array.isArray(v) || !v.every((x) => typeof x === "string" && x !== "")) {
        throw new ConfigError(`${at}.${k}`, "expected a list of strings");
      }
      return v as string[];
    };
    const entry: TrustDomainEntry = {
      trustDomain: td,
      crlFiles: list("crl_files"),
      crlUrls: list("crl_urls"),
    };
    if ((item.bundle_file === undefined) === (item.bundle_url === undefined)) {
      throw new ConfigError(at, "expected exactly one of bundle_file and bundle_url");
    }
    const bundleFile = file("bundle_file", false);
    if (bundleFile !== undefined) entry.bundleFile = bundleFile;
    if (item.bundle_url !== undefined) {
      if (typeof item.bundle_url !== "string" || !/^https:\/\/\S+$/.test(item.bundle_url)) {
        throw new ConfigError(`${at}.bundle_url`, "expected an https:// URL (SPIFFE bundle endpoint)");
      }
      entry.bundleUrl = item.bundle_url;
    }
    const endpointCa = file("endpoint_ca_file", false);
    if (endpointCa !== undefined) entry.endpointCaFile = endpointCa;
    const intermediates = file("intermediates_file", false);
    if (intermediates !== undefined) entry.intermediatesFile = intermediates;
    for (const u of entry.crlUrls) {
      if (!/^https?:\/\//.test(u))
        throw new ConfigError(`${at}.crl_urls`, `expected http(s) URLs, got ${JSON.stringify(u)}`);
    }
    return entry;
  });
}

function optionalRules(raw: unknown): IdentityOptionalRule[] {
  const key = "identity.optional";
  if (!Array.isArray(raw)) throw new ConfigError(key, "expected a list of {path_prefix | path, methods}");
  return raw.map((item, i) => {
    const at = `${key}[${i}]`;
    if (!isRecord(item)) throw new ConfigError(at, "expected a mapping {path_prefix | path, methods}");
    for (const k of Object.keys(item)) {
      if (k !== "path" && k !== "path_prefix" && k !== "methods")
        throw new ConfigError(`${at}.${k}`, "unknown option");
    }
    const rule: IdentityOptionalRule = { methods: [] };
    if (item.path !== undefined) {
      if (typeof item.path !== "string" || !item.path.startsWith("/")) {
        throw new ConfigError(`${at}.path`, 'expected a path starting with "/"');
      }
      rule.path = item.path;
    }
    if (item.path_prefix !== undefined) {
      if (typeof item.path_prefix !== "string" || !item.path_prefix.startsWith("/")) {
        throw new ConfigError(`${at}.path_prefix`, 'expected a path prefix starting with "/"');
      }
      rule.pathPrefix = item.path_prefix;
    }
    if ((rule.path === undefined) === (rule.pathPrefix === undefined)) {
      throw new ConfigError(at, "expected exactly one of path or path_prefix");
    }
    if (item.methods !== undefined) {
      if (
        !Array.isArray(item.methods) ||
        !item.methods.every((m) => typeof m === "string" && /^[A-Z]+$/.test(m))
      ) {
        throw new ConfigError(`${at}.methods`, "expected a list of upper-case HTTP methods");
      }
      rule.methods = item.methods as string[];
    }
    return rule;
  });
}

function checkCrossField(c: Config): void {
  const t = c.listen.tls;
  if ((t.certFile === "") !== (t.keyFile === "")) {
    throw new ConfigError(
      t.certFile === "" ? "listen.tls.cert_file" : "listen.tls.key_file",
      "cert_file and key_file go together",
    );
  }
  if (t.clientCaFile !== "" && t.certFile === "") {
    throw new ConfigError(
      "listen.tls.client_ca_file",
      "needs listen.tls.cert_file and key_file (mTLS is TLS)",
    );
  }
  if (t.allowedClientIds.length > 0 && t.clientCaFile === "") {
    throw new ConfigError(
      "listen.tls.allowed_client_ids",
      "needs listen.tls.client_ca_file (client certificates)",
    );
  }
  if (
    c.metrics.address !== "" &&
    c.metrics.address === c.listen.address &&
    !c.listen.address.endsWith(":0")
  ) {
    throw new ConfigError("metrics.address", "must differ from listen.address");
  }
  if (c.tokens.trustDomains.length > 0 && c.tokens.targets.length === 0) {
    throw new ConfigError(
      "tokens.targets",
      "needed with tokens.trust_domains: the target URIs this service accepts as WPT aud / wimse-aud",
    );
  }
  if (!c.metrics.path.startsWith("/"))
    throw new ConfigError("metrics.path", 'expected a path starting with "/"');
}
