/**
 * The HTTP Message Signatures proof (WIMSE profile of RFC 9421): a ProofVerifier that, given a WIT
 * already verified by the token stage, checks that the request carries exactly one WIMSE signature
 * made with the WIT's cnf key over the profile's components. The rules and their sources are in
 * ./index.ts. Guard clauses run cheapest first; the signature is verified before the nonce is
 * recorded, so unsigned garbage can never fill the replay cache.
 */
import { createHash } from "node:crypto";
import type {
  HttpRequestView,
  ProofFacts,
  ProofVerifier,
  ReplayCache,
  TokenFailure,
  VerifiedWit,
} from "../types.js";
import { httpSigAlgorithmName, keyUnsuitability, verifySignature } from "./algorithms.js";
import { signatureBase } from "./base.js";
import { checkContentDigest } from "./content-digest.js";
import {
  COVER_WHEN_PRESENT,
  NONCE_MAX_LENGTH,
  NONCE_MIN_LENGTH,
  REPLAY_KEY_PREFIX,
  WIMSE_TAG,
  WIT_HEADER,
} from "./profile.js";
import { type BareItem, parseDictionary, type SfInnerList } from "./structured-fields.js";

export interface HttpSigVerifierOptions {
  /** Accepted `wimse-aud` values (configured target URIs), compared byte for byte. Never Host. */
  readonly targets: readonly string[];
  /** Allowed JOSE algorithms for cnf.jwk.alg (e.g. ["ES256", "EdDSA"]). */
  readonly algorithms: readonly string[];
  /** Largest accepted `expires - created`, seconds. The profile wants minutes at most. */
  readonly maxLifetimeSeconds: number;
  /** Tolerance for `created` in the future and `expires` in the past, seconds. */
  readonly clockSkewSeconds: number;
  /** Records nonces until the signature expires; shared with WPT jti values (namespaced). */
  readonly replay: ReplayCache;
}

type Failure = TokenFailure;

function fail(code: string, check: string, message: string, status = 400): Failure {
  return { ok: false, code: `httpsig_${code}`, check: `http-sig.${check}`, message, status };
}

function asString(item: BareItem | undefined): string | undefined {
  return item?.type === "string" ? item.value : undefined;
}

function asInteger(item: BareItem | undefined): number | undefined {
  return item?.type === "integer" ? item.value : undefined;
}

/** Does the request carry content? A declared length, a transfer coding, or forwarded bytes. */
function contentLength(request: HttpRequestView): { ok: true; length?: number } | { ok: false } {
  const raw = request.headers["content-length"];
  if (raw === undefined) return { ok: true };
  const value = raw.trim();
  if (!/^[0-9]{1,15}$/.test(value)) return { ok: false };
  return { ok: true, length: Number.parseInt(value, 10) };
}

/** The ReplayCache key of a nonce: namespaced, fixed size (SHA-256), whoever signed it (-07). */
export function replayKey(nonce: string): string {
  return `${REPLAY_KEY_PREFIX}${createHash("sha256").update(nonce, "ascii").digest("base64url")}`;
}

export function createHttpSigVerifier(options: HttpSigVerifierOptions): ProofVerifier {
  if (options.targets.length === 0) throw new Error("http-sig: at least one target is required");
  if (!(options.maxLifetimeSeconds > 0)) throw new Error("http-sig: maxLifetimeSeconds must be positive");
  if (!(options.clockSkewSeconds >= 0)) throw new Error("http-sig: clockSkewSeconds must not be negative");
  const targets = new Set(options.targets);
  const algorithms = new Set(options.algorithms);

  return async (request, wit, now) => {
    try {
      return await verifyRequest(request, wit, now);
    } catch {
      // Defensive: every path below returns a failure rather than throwing.
      return fail("internal_error", "signature", "the HTTP signature could not be checked");
    }
  };

  async function verifyRequest(
    request: HttpRequestView,
    wit: VerifiedWit,
    now: Date,
  ): Promise<{ ok: true; facts: ProofFacts } | Failure> {
    // 1. Both fields, parsed as Dictionaries (RFC 9421 §4.1, §4.2).
    const inputField = request.headers["signature-input"];
    const sigField = request.headers.signature;
    if (inputField === undefined || sigField === undefined) {
      return fail("missing_header", "header", "the request needs both Signature-Input and Signature");
    }
    const inputs = parseDictionary(inputField);
    if (!inputs.ok)
      return fail("malformed_signature_input", "signature-input", "Signature-Input is malformed");
    const sigs = parseDictionary(sigField);
    if (!sigs.ok) return fail("malformed_signature", "signature", "Signature is malformed");
    for (const [label, member] of inputs.value) {
      if (member.kind !== "inner-list") {
        return fail("malformed_signature_input", "signature-input", `member ${label} is not an inner list`);
      }
      if (!sigs.value.has(label)) {
        return fail("label_mismatch", "signature", `Signature has no value for label ${label}`);
      }
    }
    for (const [label, member] of sigs.value) {
      if (member.kind !== "item" || member.value.type !== "bytes") {
        return fail("malformed_signature", "signature", `member ${label} is not a byte sequence`);
      }
      if (!inputs.value.has(label)) {
        return fail("label_mismatch", "signature-input", `Signature-Input has no entry for label ${label}`);
      }
    }

    // 2. Exactly one signature tagged for WIMSE; never chosen by label.
    const tagged = [...inputs.value].filter(
      ([, m]) => m.kind === "inner-list" && asString(m.params.get("tag")) === WIMSE_TAG,
    );
    if (tagged.length === 0) return fail("no_wimse_signature", "tag", `no signature has tag "${WIMSE_TAG}"`);
    if (tagged.length > 1) {
      return fail("multiple_wimse_signatures", "tag", `more than one signature has tag "${WIMSE_TAG}"`);
    }
    const [label, member] = tagged[0]!;
    const input = member as SfInnerList;
    const sigMember = sigs.value.get(label)!;
    const signature =
      sigMember.kind === "item" && sigMember.value.type === "bytes" ? sigMember.value.value : null;
    if (!signature)
      return fail("malformed_signature", "signature", "the WIMSE signature is not a byte sequence");

    // 3. Covered components: plain strings, each once, never @signature-params.
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
      if (covered.includes(name))
        return fail("component_duplicate", "components", `${name} is covered twice`);
      covered.push(name);
    }
    const has = (name: string) => covered.includes(name);
    if (!has("@method")) return fail("component_missing", "components", "@method must be covered");
    if (!(has("@path") && has("@query")) && !has("@request-target")) {
      return fail("component_missing", "components", "@path and @query (or @request-target) must be covered");
    }
    for (const field of COVER_WHEN_PRESENT) {
      if (request.headers[field] !== undefined && !has(field)) {
        const check = field === "content-digest" ? "content-digest" : "components";
        const code = field === "content-digest" ? "digest_not_covered" : "component_missing";
        return fail(code, check, `${field} is present and must be covered`);
      }
    }
    if (!has(WIT_HEADER)) return fail("component_missing", "components", `${WIT_HEADER} must be covered`);
    const witHeader = request.headers[WIT_HEADER];
    if (witHeader === undefined || witHeader.trim() !== wit.compact) {
      return fail(
        "wit_mismatch",
        "components",
        "the covered Workload-Identity-Token is not the verified WIT",
      );
    }

    // 4. Signature parameters: types, forbidden ones, algorithm.
    const p = input.params;
    for (const [name, kind] of [
      ["created", "integer"],
      ["expires", "integer"],
      ["nonce", "string"],
      ["tag", "string"],
      ["wimse-aud", "string"],
      ["wimse-sign-response", "boolean"],
    ] as const) {
      const value = p.get(name);
      if (value !== undefined && value.type !== kind) {
        return fail("param_invalid", name, `signature parameter ${name} must be ${kind}`);
      }
    }
    if (p.has("keyid"))
      return fail("keyid_present", "keyid", "keyid must not be used: the key is the WIT's cnf");
    if (!algorithms.has(wit.cnf.alg)) {
      return fail("alg_not_allowed", "alg", `cnf algorithm ${wit.cnf.alg} is not allowed`);
    }
    const unsuitable = keyUnsuitability(wit.cnf.alg, wit.cnf.key);
    if (unsuitable !== undefined) return fail("key_unsuitable", "alg", unsuitable);
    if (p.has("alg")) {
      const claimed = asString(p.get("alg"));
      if (claimed !== httpSigAlgorithmName(wit.cnf.alg, wit.cnf.key)) {
        return fail("alg_mismatch", "alg", `alg does not name the WIT's cnf algorithm ${wit.cnf.alg}`);
      }
      return fail("alg_present", "alg", "alg must not be used: the algorithm is the WIT's cnf.jwk.alg");
    }

    // 5. Validity window.
    const created = asInteger(p.get("created"));
    const expires = asInteger(p.get("expires"));
    if (created === undefined) return fail("created_missing", "created", "created is required");
    if (expires === undefined) return fail("expires_missing", "expires", "expires is required");
    const nowS = Math.floor(now.getTime() / 1000);
    const skew = options.clockSkewSeconds;
    if (expires <= created) return fail("expires_invalid", "expires", "expires must be after created");
    if (expires - created > options.maxLifetimeSeconds) {
      return fail(
        "lifetime_too_long",
        "expires",
        `the signature lives longer than ${options.maxLifetimeSeconds} s`,
      );
    }
    // With created <= now + skew, the lifetime bound also bounds how far in the future expires is.
    if (created > nowS + skew) return fail("created_in_future", "created", "created is in the future");
    if (nowS > expires + skew) return fail("expired", "expires", "the signature has expired");

    // 6. Nonce and audience.
    const nonce = asString(p.get("nonce"));
    if (nonce === undefined) return fail("nonce_missing", "nonce", "nonce is required");
    if (nonce.length < NONCE_MIN_LENGTH || nonce.length > NONCE_MAX_LENGTH) {
      return fail(
        "nonce_invalid",
        "nonce",
        `nonce must be ${NONCE_MIN_LENGTH}-${NONCE_MAX_LENGTH} characters`,
      );
    }
    const aud = asString(p.get("wimse-aud"));
    if (aud === undefined) return fail("aud_missing", "wimse-aud", "wimse-aud is required");
    if (!targets.has(aud))
      return fail("aud_mismatch", "wimse-aud", "wimse-aud is not a target of this service");

    // 7. Content: a body must be covered by a Content-Digest that matches the bytes received.
    const length = contentLength(request);
    if (!length.ok) return fail("content_length_invalid", "content-digest", "Content-Length is not a number");
    const hasBody =
      (request.body !== undefined && request.body.length > 0) ||
      (length.length ?? 0) > 0 ||
      request.headers["transfer-encoding"] !== undefined ||
      request.bodyTruncated;
    const digestField = request.headers["content-digest"];
    let digestChecked = false;
    if (hasBody || digestField !== undefined) {
      if (digestField === undefined) {
        return fail(
          "digest_missing",
          "content-digest",
          "a request with content needs a covered Content-Digest",
        );
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
      if (length.length !== undefined && length.length !== body.length) {
        return fail(
          "body_truncated",
          "content-digest",
          "the body received is not the declared Content-Length",
        );
      }
      const check = checkContentDigest(digestField, body);
      if (!check.ok) {
        const code = {
          malformed: "digest_malformed",
          unsupported: "digest_unsupported",
          mismatch: "digest_mismatch",
        };
        return fail(code[check.reason], "content-digest", `Content-Digest: ${check.detail}`);
      }
      digestChecked = body.length > 0;
    }

    // 8. The signature itself over the re-created base.
    const base = signatureBase(input, request);
    if (!base.ok) {
      const code = base.reason === "missing" ? "component_missing" : "component_unsupported";
      return fail(code, "components", base.detail);
    }
    if (!verifySignature(wit.cnf.alg, wit.cnf.key, Buffer.from(base.base, "ascii"), signature)) {
      return fail("bad_signature", "signature", "the signature does not verify with the WIT's cnf key");
    }

    // 9. Replay: the nonce is recorded only for a valid signature, until it expires.
    let fresh: boolean;
    try {
      fresh = await options.replay.remember(replayKey(nonce), expires + skew);
    } catch {
      // Not a credential problem: the service cannot vouch for freshness now (fails closed).
      return fail("replay_unavailable", "nonce", "the replay cache cannot record the nonce", 503);
    }
    if (!fresh) return fail("replayed_nonce", "nonce", "this nonce was already used");

    return {
      ok: true,
      facts: { kind: "http-sig", label, created, expires, nonce, aud, covered, digestChecked },
    };
  }
}
