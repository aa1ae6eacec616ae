/**
 * TLS and mTLS on the gRPC listener itself, so that only Envoy may call Check. With a client CA,
 * the handshake requires a client certificate that chains to it (grpc-js / OpenSSL verify the
 * chain); the allowlist then admits only callers whose certificate carries one of the configured
 * URI SANs (Envoy's own workload ID). Checked per call, from the connection's auth context.
 */
import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { ServerCredentials } from "@grpc/grpc-js";
import type { ListenTlsConfig } from "../config/types.js";

export function serverCredentials(tls: ListenTlsConfig): ServerCredentials {
  if (tls.certFile === "") return ServerCredentials.createInsecure();
  const read = (file: string, what: string) => {
    try {
      return readFileSync(file);
    } catch (e) {
      throw new Error(`listen.tls.${what}: cannot read ${file}: ${(e as Error).message}`);
    }
  };
  const pair = { cert_chain: read(tls.certFile, "cert_file"), private_key: read(tls.keyFile, "key_file") };
  if (tls.clientCaFile === "") return ServerCredentials.createSsl(null, [pair], false);
  return ServerCredentials.createSsl(read(tls.clientCaFile, "client_ca_file"), [pair], true);
}

/**
 * URI SANs of a certificate, from Node's subjectaltname text ("URI:a, DNS:b"; entries with
 * special characters are JSON-quoted: URI:"a,b").
 */
export function uriSans(subjectaltname: string | undefined): string[] {
  if (!subjectaltname) return [];
  const out: string[] = [];
  const re = /(?:^|, )([A-Za-z ]+):("(?:[^"\\]|\\.)*"|[^,]*)/g;
  for (let m = re.exec(subjectaltname); m !== null; m = re.exec(subjectaltname)) {
    if (m[1] !== "URI") continue;
    const raw = m[2];
    try {
      out.push(raw.startsWith('"') ? (JSON.parse(raw) as string) : raw);
    } catch {
      // A malformed quoted entry is not an identity.
    }
  }
  return out;
}

/** The peer's URI SANs from a grpc-js call's auth context (empty without mTLS). */
export interface PeerCertificateLike {
  subjectaltname?: string;
}

export function callerAllowed(allowed: readonly string[], peer: PeerCertificateLike | undefined): boolean {
  if (allowed.length === 0) return true;
  if (!peer) return false;
  return uriSans(peer.subjectaltname).some((id) => allowed.includes(id));
}

/**
 * The URI SANs of the listener's own certificate (the first in listen.tls.cert_file): the
 * service's own workload ID, which its health probe presents (k8s/grpc-health-probe.mjs).
 * Empty without TLS or when the file holds no readable certificate.
 */
export function ownIds(tls: ListenTlsConfig): string[] {
  if (tls.certFile === "") return [];
  try {
    return uriSans(new X509Certificate(readFileSync(tls.certFile)).subjectAltName);
  } catch {
    return [];
  }
}
