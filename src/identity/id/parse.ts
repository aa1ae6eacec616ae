/**
 * Workload identifier parsing (wimse-mtls.md §5, draft-ietf-wimse-identifier §4, SPIFFE-ID).
 * Canonical form only: anything that would need normalising is rejected with a stable code, and
 * the returned `id` is the input, byte for byte.
 */
import type { IdentifierScheme, WorkloadId } from "../types.js";
import { WorkloadIdError } from "./errors.js";
import { checkTrustDomain, type TrustDomainOptions } from "./trust-domain.js";

/** Implementations MUST support 2048 octets; we accept no more. */
export const MAX_ID_BYTES = 2048;

export interface ParseIdOptions extends TrustDomainOptions {
  /** Accept an identifier without a path ("spiffe://td"), e.g. a trust-domain ID. Off by default. */
  allowNoPath?: boolean;
}

const SPIFFE_SEGMENT = /^[A-Za-z0-9._-]+$/;
// RFC 3986 unreserved characters.
const WIMSE_SEGMENT = /^[A-Za-z0-9._~-]+$/;
// Printable ASCII without space; anything else is never part of a canonical identifier.
const PRINTABLE = /^[\x21-\x7e]*$/;

export function parseWorkloadId(text: string, opts: ParseIdOptions = {}): WorkloadId {
  if (typeof text !== "string" || text.length === 0)
    throw new WorkloadIdError("id_empty", "empty identifier");
  if (Buffer.byteLength(text, "utf8") > MAX_ID_BYTES) {
    throw new WorkloadIdError("id_too_long", `identifier longer than ${MAX_ID_BYTES} bytes`);
  }
  const schemeEnd = text.indexOf("://");
  const schemeText = schemeEnd < 0 ? "" : text.slice(0, schemeEnd);
  if (schemeText !== "spiffe" && schemeText !== "wimse") {
    throw new WorkloadIdError("id_bad_scheme", `scheme must be exactly "spiffe" or "wimse"`);
  }
  const scheme: IdentifierScheme = schemeText;
  if (!PRINTABLE.test(text)) {
    throw new WorkloadIdError("id_bad_char", "identifier has whitespace, control or non-ASCII characters");
  }
  if (text.includes("#")) throw new WorkloadIdError("id_fragment", "identifier has a fragment");
  if (text.includes("?")) throw new WorkloadIdError("id_query", "identifier has a query");
  if (text.includes("%")) throw new WorkloadIdError("id_percent_encoding", "identifier has percent-encoding");

  const rest = text.slice(schemeEnd + 3);
  const slash = rest.indexOf("/");
  const authority = slash < 0 ? rest : rest.slice(0, slash);
  const path = slash < 0 ? "" : rest.slice(slash);

  if (authority.includes("@")) throw new WorkloadIdError("id_userinfo", "identifier has userinfo");
  const portColon = authority.startsWith("[")
    ? authority.indexOf(":", authority.indexOf("]"))
    : authority.indexOf(":");
  if (portColon >= 0) throw new WorkloadIdError("id_port", "identifier has a port");
  checkTrustDomain(authority, opts);

  checkPath(scheme, path, opts);
  return { id: text, scheme, trustDomain: authority, path };
}

function checkPath(scheme: IdentifierScheme, path: string, opts: ParseIdOptions): void {
  if (path === "") {
    if (opts.allowNoPath === true && scheme === "spiffe") return;
    throw new WorkloadIdError("id_missing_path", "identifier has no path");
  }
  if (path.endsWith("/")) throw new WorkloadIdError("id_trailing_slash", "identifier path ends with '/'");
  const allowed = scheme === "spiffe" ? SPIFFE_SEGMENT : WIMSE_SEGMENT;
  for (const seg of path.slice(1).split("/")) {
    if (seg === "") throw new WorkloadIdError("id_empty_segment", "identifier path has an empty segment");
    if (seg === "." || seg === "..")
      throw new WorkloadIdError("id_dot_segment", `identifier path has a "${seg}" segment`);
    if (!allowed.test(seg)) {
      throw new WorkloadIdError(
        "id_bad_char",
        `path segment "${seg}" has a character not allowed in ${scheme} identifiers`,
      );
    }
  }
}

export type TryParseIdResult = { ok: true; id: WorkloadId } | { ok: false; error: WorkloadIdError };

/** Non-throwing form of parseWorkloadId. */
export function tryParseWorkloadId(text: string, opts: ParseIdOptions = {}): TryParseIdResult {
  try {
    return { ok: true, id: parseWorkloadId(text, opts) };
  } catch (e) {
    if (e instanceof WorkloadIdError) return { ok: false, error: e };
    return { ok: false, error: new WorkloadIdError("id_bad_char", String(e)) };
  }
}

/** Workload Identifier Origin: scheme + "://" + trust domain (§5). */
export function workloadIdOrigin(id: WorkloadId): string {
  return `${id.scheme}://${id.trustDomain}`;
}
