/**
 * The profile's rules as separate guard functions, each returning a TokenFailure (code
 * "httpsig_<what>", check "http-sig.<what>", status 400) or what it established. ./verify.ts runs
 * them in order; the rules' sources are listed in ./index.ts.
 */
import type { HttpRequestView, TokenFailure, VerifiedWit } from "../types.js";
import { httpSigAlgorithmName, keyUnsuitability } from "./algorithms.js";
import { checkContentDigest } from "./content-digest.js";
import { COVER_WHEN_PRESENT, NONCE_MAX_LENGTH, NONCE_MIN_LENGTH, WIMSE_TAG, WIT_HEADER } from "./profile.js";
import { type BareItem, type Params, parseDictionary, type SfInnerList } from "./structured-fields.js";

export function fail(code: string, check: string, message: string, status = 400): TokenFailure {
  return { ok: false, code: `httpsig_${code}`, check: `http-sig.${check}`, message, status };
}

export function isFailure(value: unknown): value is TokenFailure {
  return typeof value === "object" && value !== null && (value as { ok?: unknown }).ok === false;
}

function asString(item: BareItem | undefined): string | undefined {
  return item?.type === "string" ? item.value : undefined;
}

function asInteger(item: BareItem | undefined): number | undefined {
  return item?.type === "integer" ? item.value : undefined;
}

export interface SelectedSignature {
  readonly label: string;
  readonly input: SfInnerList;
  readonly signature: Uint8Array;
}

/**
 * Parses Signature-Input and Signature (RFC 9421 §4.1-4.2: Dictionaries with the same labels,
 * inner lists and byte sequences) and picks the one signature tagged for WIMSE, never by label.
 */
export function selectSignature(headers: HttpRequestView["headers"]): SelectedSignature | TokenFailure {
  const inputField = headers["signature-input"];
  const sigField = headers.signature;
  if (inputField === undefined || sigField === undefined) {
    return fail("missing_header", "header", "the request needs both Signature-Input and Signature");
  }
  const inputs = parseDictionary(inputField);
  if (!inputs.ok) return fail("malformed_signature_input", "signature-input", "Signature-Input is malformed");
  const sigs = parseDictionary(sigField);
  if (!sigs.ok) return fail("malformed_signature", "signature", "Signature is malformed");

  const lists = new Map<string, SfInnerList>();
  for (const [label, member] of inputs.value) {
    if (member.kind !== "inner-list") {
      return fail("malformed_signature_input", "signature-input", `member ${label} is not an inner list`);
    }
    if (!sigs.value.has(label)) return fail("label_mismatch", "signature", `Signature lacks label ${label}`);
    lists.set(label, member);
  }
  const values = new Map<string, Uint8Array>();
  for (const [label, member] of sigs.value) {
    if (member.kind !== "item" || member.value.type !== "bytes") {
      return fail("malformed_signature", "signature", `member ${label} is not a byte sequence`);
    }
    if (!lists.has(label))
      return fail("label_mismatch", "signature-input", `Signature-Input lacks label ${label}`);
    values.set(label, member.value.value);
  }

  const tagged = [...lists].filter(([, list]) => asString(list.params.get("tag")) === WIMSE_TAG);
  if (tagged.length === 0) return fail("no_wimse_signature", "tag", `no signature has tag "${WIMSE_TAG}"`);
  if (tagged.length > 1) {
    return fail("multiple_wimse_signatures", "tag", `more than one signature has tag "${WIMSE_TAG}"`);
  }
  const [label, input] = tagged[0]!;
  return { label, input, signature: values.get(label)! };
}

/**
 * Covered components: parameterless strings, each once, never @signature-params; @method and the
 * target (@path + @query, or @request-target) always; the profile's fields whenever present; the
 * Workload-Identity-Token, which must be the WIT the token stage verified.
 */
export function checkComponents(
  input: SfInnerList,
  request: HttpRequestView,
  wit: VerifiedWit,
): string[] | TokenFailure {
  const covered: string[] = [];
  for (const item of input.items) {
    if (item.value.type !== "string") {
      return fail("malformed_signature_input", "components", "a component identifier is not a string");
    }
    if (item.params.size > 0) {
      return fail("component_unsupported", "components", "component parameters are not supported");
    }
    const name = item.value.value;
    if (name === "@signature-params") {
      return fail("malformed_signature_input", "components", "@signature-params cannot be covered");
    }
    if (covered.includes(name)) return fail("component_duplicate", "components", `${name} is covered twice`);
    covered.push(name);
  }
  const has = (name: string) => covered.includes(name);
  if (!has("@method")) return fail("component_missing", "components", "@method must be covered");
  if (!(has("@path") && has("@query")) && !has("@request-target")) {
    return fail("component_missing", "components", "@path and @query (or @request-target) must be covered");
  }
  for (const field of COVER_WHEN_PRESENT) {
    if (request.headers[field] !== undefined && !has(field)) {
      if (field === "content-digest") {
        return fail("digest_not_covered", "content-digest", "Content-Digest is present and must be covered");
      }
      return fail("component_missing", "components", `${field} is present and must be covered`);
    }
  }
  if (!has(WIT_HEADER)) return fail("component_missing", "components", `${WIT_HEADER} must be covered`);
  if (request.headers[WIT_HEADER]?.trim() !== wit.compact) {
    return fail("wit_mismatch", "components", "the covered Workload-Identity-Token is not the verified WIT");
  }
  return covered;
}

const PARAM_TYPES = [
  ["created", "integer"],
  ["expires", "integer"],
  ["nonce", "string"],
  ["tag", "string"],
  ["wimse-aud", "string"],
  ["wimse-sign-response", "boolean"],
] as const;

/**
 * Parameter types, the forbidden keyid and alg, and the algorithm: the WIT's cnf.jwk.alg, which
 * must be allowed and suit the cnf key.
 */
export function checkParamsAndAlgorithm(
  params: Params,
  wit: VerifiedWit,
  algorithms: ReadonlySet<string>,
): undefined | TokenFailure {
  for (const [name, type] of PARAM_TYPES) {
    const value = params.get(name);
    if (value !== undefined && value.type !== type) {
      return fail("param_invalid", name, `signature parameter ${name} must be ${type}`);
    }
  }
  if (params.has("keyid"))
    return fail("keyid_present", "keyid", "keyid must not be used: the key is the WIT's cnf");
  if (!algorithms.has(wit.cnf.alg))
    return fail("alg_not_allowed", "alg", `cnf algorithm ${wit.cnf.alg} is not allowed`);
  const unsuitable = keyUnsuitability(wit.cnf.alg, wit.cnf.key);
  if (unsuitable !== undefined) return fail("key_unsuitable", "alg", unsuitable);
  if (params.has("alg")) {
    if (asString(params.get("alg")) !== httpSigAlgorithmName(wit.cnf.alg, wit.cnf.key)) {
      return fail("alg_mismatch", "alg", `alg does not name the WIT's cnf algorithm ${wit.cnf.alg}`);
    }
    return fail("alg_present", "alg", "alg must not be used: the algorithm is the WIT's cnf.jwk.alg");
  }
  return undefined;
}

export interface Window {
  readonly created: number;
  readonly expires: number;
}

/** created and expires present, a positive lifetime within the bound, not future, not expired. */
export function checkWindow(
  params: Params,
  now: Date,
  maxLifetimeSeconds: number,
  skew: number,
): Window | TokenFailure {
  const created = asInteger(params.get("created"));
  const expires = asInteger(params.get("expires"));
  if (created === undefined) return fail("created_missing", "created", "created is required");
  if (expires === undefined) return fail("expires_missing", "expires", "expires is required");
  const nowS = Math.floor(now.getTime() / 1000);
  if (expires <= created) return fail("expires_invalid", "expires", "expires must be after created");
  if (expires - created > maxLifetimeSeconds) {
    return fail("lifetime_too_long", "expires", `the signature lives longer than ${maxLifetimeSeconds} s`);
  }
  // With created <= now + skew, the lifetime bound also bounds how far in the future expires is.
  if (created > nowS + skew) return fail("created_in_future", "created", "created is in the future");
  if (nowS > expires + skew) return fail("expired", "expires", "the signature has expired");
  return { created, expires };
}

/** A nonce of sane length, and `wimse-aud` equal to a configured target (never Host). */
export function checkNonceAndAudience(
  params: Params,
  targets: ReadonlySet<string>,
): { nonce: string; aud: string } | TokenFailure {
  const nonce = asString(params.get("nonce"));
  if (nonce === undefined) return fail("nonce_missing", "nonce", "nonce is required");
  if (nonce.length < NONCE_MIN_LENGTH || nonce.length > NONCE_MAX_LENGTH) {
    return fail("nonce_invalid", "nonce", `nonce must be ${NONCE_MIN_LENGTH}-${NONCE_MAX_LENGTH} characters`);
  }
  const aud = asString(params.get("wimse-aud"));
  if (aud === undefined) return fail("aud_missing", "wimse-aud", "wimse-aud is required");
  if (!targets.has(aud))
    return fail("aud_mismatch", "wimse-aud", "wimse-aud is not a target of this service");
  return { nonce, aud };
}

const DIGEST_CODES = {
  malformed: "digest_malformed",
  unsupported: "digest_unsupported",
  mismatch: "digest_mismatch",
};

/**
 * Content: when the request has a body (bytes forwarded, Content-Length > 0, a transfer coding, or
 * a truncated body), a Content-Digest (already required to be covered) must match the whole body.
 * A body Envoy cut or did not forward cannot be checked and is refused. Returns whether a
 * non-empty body was digest-checked.
 */
export function checkContent(request: HttpRequestView): { digestChecked: boolean } | TokenFailure {
  const rawLength = request.headers["content-length"]?.trim();
  if (rawLength !== undefined && !/^[0-9]{1,15}$/.test(rawLength)) {
    return fail("content_length_invalid", "content-digest", "Content-Length is not a number");
  }
  const declared = rawLength === undefined ? undefined : Number.parseInt(rawLength, 10);
  const hasBody =
    (request.body !== undefined && request.body.length > 0) ||
    (declared ?? 0) > 0 ||
    request.headers["transfer-encoding"] !== undefined ||
    request.bodyTruncated;
  const field = request.headers["content-digest"];
  if (!hasBody && field === undefined) return { digestChecked: false };
  if (field === undefined) {
    return fail("digest_missing", "content-digest", "a request with content needs a covered Content-Digest");
  }
  if (request.bodyTruncated) {
    return fail(
      "body_truncated",
      "content-digest",
      "the body was truncated before the check: digest unverifiable",
    );
  }
  if (request.body === undefined && hasBody) {
    return fail("body_unavailable", "content-digest", "the body was not forwarded: digest unverifiable");
  }
  const body = request.body ?? new Uint8Array(0);
  if (declared !== undefined && declared !== body.length) {
    return fail("body_truncated", "content-digest", "the body received is not the declared Content-Length");
  }
  const check = checkContentDigest(field, body);
  if (!check.ok) return fail(DIGEST_CODES[check.reason], "content-digest", `Content-Digest: ${check.detail}`);
  return { digestChecked: body.length > 0 };
}
