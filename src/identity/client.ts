/**
 * The client side of mutual-tls §4 (wimse-mtls.md §3): a `checkServerIdentity` for tls.connect.
 * - Configured with the server's expected workload identifier: the server certificate must carry
 *   exactly one URI SAN, a canonical identifier equal byte for byte to the expected one (so its
 *   trust domain matches too). The hostname is not consulted: the identifier's host part is a
 *   trust domain, not a DNS name (RFC 9525 §6.4 does not apply).
 * - Otherwise: RFC 9525 §6.3 DNS-ID matching of the hostname (IP-address SANs for IP literals).
 * Chain validation stays with tls.connect (`ca` = the expected trust domain's bundle).
 * Returns an Error (as Node expects) with a stable `code`, or undefined when the identity matches.
 */
import type { PeerCertificate } from "node:tls";
import { isIP } from "node:net";
import { parseWorkloadId } from "./id/index.js";
import {
  certWorkloadId,
  type ParsedCert,
  tryParseDer,
  verifyDnsName,
  verifyIpAddress,
} from "./x509/index.js";

export class ServerIdentityError extends Error {
  override readonly name = "ServerIdentityError";
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface ServerIdentityOptions {
  /** The server's exact workload identifier; when set, DNS-ID matching is not used. */
  expectedId?: string;
  /** Additionally require the DNS-ID check even when expectedId is set. Default false. */
  alsoCheckHostname?: boolean;
  allowIpTrustDomains?: boolean;
}

export type CheckServerIdentity = (hostname: string, cert: PeerCertificate) => Error | undefined;

function parsePeer(cert: PeerCertificate): ParsedCert | ServerIdentityError {
  if (!cert?.raw || cert.raw.length === 0) {
    return new ServerIdentityError("server_no_certificate", "the server presented no certificate");
  }
  const r = tryParseDer(cert.raw);
  return r.ok ? r.cert : new ServerIdentityError(r.error.code, r.error.message);
}

function checkHostname(leaf: ParsedCert, hostname: string): ServerIdentityError | undefined {
  const host = hostname.startsWith("[") && hostname.endsWith("]") ? hostname.slice(1, -1) : hostname;
  const ok = isIP(host) !== 0 ? verifyIpAddress(leaf, host) : verifyDnsName(leaf, host);
  return ok
    ? undefined
    : new ServerIdentityError("server_name_mismatch", `server certificate does not match host ${hostname}`);
}

export function createServerIdentityCheck(opts: ServerIdentityOptions = {}): CheckServerIdentity {
  const expected =
    opts.expectedId !== undefined
      ? parseWorkloadId(opts.expectedId, { allowIpTrustDomain: opts.allowIpTrustDomains })
      : undefined;
  return (hostname, cert) => {
    try {
      const leaf = parsePeer(cert);
      if (leaf instanceof ServerIdentityError) return leaf;
      if (!expected) return checkHostname(leaf, hostname);
      const idr = certWorkloadId(leaf, { allowIpTrustDomain: opts.allowIpTrustDomains });
      if (!idr.ok) return new ServerIdentityError(idr.code, `server certificate: ${idr.message}`);
      if (idr.id.scheme !== expected.scheme || idr.id.trustDomain !== expected.trustDomain) {
        return new ServerIdentityError(
          "server_trust_domain_mismatch",
          `server is in ${idr.id.scheme}://${idr.id.trustDomain}, expected ${expected.scheme}://${expected.trustDomain}`,
        );
      }
      if (idr.id.id !== expected.id) {
        return new ServerIdentityError(
          "server_id_mismatch",
          `server is ${idr.id.id}, expected ${expected.id}`,
        );
      }
      return opts.alsoCheckHostname ? checkHostname(leaf, hostname) : undefined;
    } catch (e) {
      return new ServerIdentityError("server_identity_error", e instanceof Error ? e.message : String(e));
    }
  };
}
