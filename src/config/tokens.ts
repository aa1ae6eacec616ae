/**
 * tokens.trust_domains: where each trust domain's WIT signing keys come from. One entry per trust
 * domain, exactly one key source each (JWKS or SPIFFE bundle, file or https URL). Problems throw a
 * ConfigError naming the entry and key, like identity.trust_domains.
 */
import { ConfigError } from "./errors.js";
import type { TokenTrustDomainEntry } from "./types.js";

const KEY = "tokens.trust_domains";
const SOURCES = ["jwks_file", "jwks_url", "bundle_file", "bundle_url"] as const;
const KEYS = new Set<string>(["trust_domain", ...SOURCES, "endpoint_ca_file", "issuers"]);

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

export function tokenTrustDomains(raw: unknown): TokenTrustDomainEntry[] {
  if (!Array.isArray(raw))
    throw new ConfigError(
      KEY,
      "expected a list of {trust_domain, jwks_file | jwks_url | bundle_file | bundle_url}",
    );
  const seen = new Set<string>();
  return raw.map((item, i) => {
    const at = `${KEY}[${i}]`;
    if (!isRecord(item)) throw new ConfigError(at, "expected a mapping {trust_domain, jwks_file, ...}");
    for (const k of Object.keys(item))
      if (!KEYS.has(k)) throw new ConfigError(`${at}.${k}`, "unknown option");
    const td = item.trust_domain;
    if (typeof td !== "string" || !/^([a-z][a-z0-9+.-]*:\/\/)?[a-z0-9._-]+$/.test(td)) {
      throw new ConfigError(
        `${at}.trust_domain`,
        "expected a trust domain (prod.example) or origin (spiffe://prod.example)",
      );
    }
    const name = td.replace(/^[a-z][a-z0-9+.-]*:\/\//, "");
    if (seen.has(name)) throw new ConfigError(`${at}.trust_domain`, `${td} is listed twice`);
    seen.add(name);
    const given = SOURCES.filter((k) => item[k] !== undefined);
    if (given.length !== 1) {
      throw new ConfigError(at, "expected exactly one of jwks_file, jwks_url, bundle_file and bundle_url");
    }
    const source = given[0];
    const value = item[source];
    const entry: TokenTrustDomainEntry = { trustDomain: td, issuers: [] };
    if (source.endsWith("_url")) {
      if (typeof value !== "string" || !/^https:\/\/\S+$/.test(value)) {
        throw new ConfigError(`${at}.${source}`, "expected an https:// URL");
      }
    } else if (typeof value !== "string" || value === "") {
      throw new ConfigError(`${at}.${source}`, "expected a file path");
    }
    if (source === "jwks_file") entry.jwksFile = value;
    else if (source === "jwks_url") entry.jwksUrl = value;
    else if (source === "bundle_file") entry.bundleFile = value;
    else entry.bundleUrl = value;
    if (item.endpoint_ca_file !== undefined) {
      if (typeof item.endpoint_ca_file !== "string" || item.endpoint_ca_file === "") {
        throw new ConfigError(`${at}.endpoint_ca_file`, "expected a file path");
      }
      if (!source.endsWith("_url")) {
        throw new ConfigError(`${at}.endpoint_ca_file`, "only with jwks_url or bundle_url");
      }
      entry.endpointCaFile = item.endpoint_ca_file;
    }
    if (item.issuers !== undefined) {
      if (!Array.isArray(item.issuers) || !item.issuers.every((x) => typeof x === "string" && x !== "")) {
        throw new ConfigError(`${at}.issuers`, "expected a list of issuer strings");
      }
      entry.issuers = item.issuers as string[];
    }
    return entry;
  });
}
