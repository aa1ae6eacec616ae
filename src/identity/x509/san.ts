/** The workload identifier of a certificate: exactly one URI SAN (wimse-mtls.md §1). */
import { parseWorkloadId, type ParseIdOptions, WorkloadIdError } from "../id/index.js";
import type { WorkloadId } from "../types.js";
import type { ParsedCert } from "./cert.js";

export type UriSanResult =
  | { ok: true; uri: string }
  | { ok: false; code: "x509_no_uri_san" | "x509_multiple_uri_sans"; message: string };

export function exactlyOneUriSan(cert: ParsedCert): UriSanResult {
  const uris = (cert.subjectAltNames ?? []).flatMap((n) => (n.type === "uri" ? [n.value] : []));
  if (uris.length === 0) return { ok: false, code: "x509_no_uri_san", message: "certificate has no URI SAN" };
  if (uris.length > 1) {
    return { ok: false, code: "x509_multiple_uri_sans", message: `certificate has ${uris.length} URI SANs` };
  }
  return { ok: true, uri: uris[0] as string };
}

export type CertIdResult = { ok: true; id: WorkloadId } | { ok: false; code: string; message: string };

/** exactlyOneUriSan + parseWorkloadId: the canonical workload identifier of a certificate. */
export function certWorkloadId(cert: ParsedCert, opts: ParseIdOptions = {}): CertIdResult {
  const san = exactlyOneUriSan(cert);
  if (!san.ok) return san;
  try {
    return { ok: true, id: parseWorkloadId(san.uri, opts) };
  } catch (e) {
    if (e instanceof WorkloadIdError) return { ok: false, code: e.code, message: e.message };
    return { ok: false, code: "id_bad_char", message: String(e) };
  }
}
