/**
 * Trust-domain names (wimse-mtls.md §5): lowercase letters, digits, ".", "-", "_"; at most 255
 * bytes; no empty label, no leading or trailing dot. Never normalised: an upper-case letter is a
 * rejection, not something to lower-case.
 */
import { isIPv4, isIPv6 } from "node:net";
import { WorkloadIdError } from "./errors.js";

export const MAX_TRUST_DOMAIN_BYTES = 255;

export interface TrustDomainOptions {
  /** Accept IPv4 (dotted quad) and bracketed IPv6 trust domains. Legacy only (§5): off by default. */
  allowIpTrustDomain?: boolean;
}

const TD_CHARS = /^[a-z0-9._-]+$/;
const NUMERIC_LABEL = /^(?:[0-9]+|0x[0-9a-f]*)$/;

/** Throws WorkloadIdError when `name` is not a canonical trust-domain name. */
export function checkTrustDomain(name: string, opts: TrustDomainOptions = {}): void {
  if (name.length === 0) throw new WorkloadIdError("id_missing_trust_domain", "empty trust domain");
  if (name.startsWith("[")) {
    // Bracketed IPv6 literal.
    const inner = name.endsWith("]") ? name.slice(1, -1) : "";
    if (opts.allowIpTrustDomain !== true || !isIPv6(inner) || inner !== inner.toLowerCase()) {
      throw new WorkloadIdError("id_ip_trust_domain", `IP-address trust domain "${name}" is not allowed`);
    }
    return;
  }
  if (Buffer.byteLength(name, "utf8") > MAX_TRUST_DOMAIN_BYTES) {
    throw new WorkloadIdError(
      "id_trust_domain_too_long",
      `trust domain longer than ${MAX_TRUST_DOMAIN_BYTES} bytes`,
    );
  }
  if (!TD_CHARS.test(name)) {
    if (TD_CHARS.test(name.toLowerCase())) {
      throw new WorkloadIdError("id_uppercase_trust_domain", `trust domain "${name}" has upper-case letters`);
    }
    throw new WorkloadIdError("id_bad_char", `trust domain "${name}" has a character outside [a-z0-9._-]`);
  }
  const labels = name.split(".");
  if (labels.some((l) => l.length === 0)) {
    throw new WorkloadIdError(
      "id_bad_trust_domain",
      `trust domain "${name}" has an empty label or a leading/trailing dot`,
    );
  }
  // Anything whose last label is numeric is read as an IP address by URL parsers (WHATWG "ends in a number").
  const last = labels[labels.length - 1] ?? "";
  if (NUMERIC_LABEL.test(last)) {
    if (opts.allowIpTrustDomain === true && isIPv4(name) && canonicalIPv4(name)) return;
    throw new WorkloadIdError("id_ip_trust_domain", `IP-address trust domain "${name}" is not allowed`);
  }
}

function canonicalIPv4(s: string): boolean {
  return s.split(".").every((p) => p === "0" || !p.startsWith("0"));
}

/**
 * Parses a trust domain given either as a bare name ("prod.example") or as an identifier origin
 * ("spiffe://prod.example", "wimse://prod.example"). Returns the bare name.
 */
export function parseTrustDomain(text: string, opts: TrustDomainOptions = {}): string {
  const m = /^(spiffe|wimse):\/\/(.*)$/.exec(text);
  const name = m ? (m[2] ?? "") : text;
  checkTrustDomain(name, opts);
  return name;
}
