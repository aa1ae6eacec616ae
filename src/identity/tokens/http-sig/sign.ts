/**
 * Signer for the WIMSE HTTP-signature profile, for clients, tests and the demo: given a request
 * (method, target URI, headers, body), the caller's WIT and the private key its cnf names, it
 * returns the fields to send: Workload-Identity-Token, Content-Digest (when there is a body),
 * Signature-Input and Signature. It uses the same signature-base code as the verifier.
 *
 * Covered, in order: @method, @path, @query (draft -07+; `targetForm: "request-target"` signs
 * @request-target instead, as drafts up to -06 did), then content-type, content-digest,
 * authorization, txn-token when present, then workload-identity-token, then `extraFields`.
 */
import { randomBytes } from "node:crypto";
import type { KeyObject } from "node:crypto";
import type { HttpRequestView } from "../types.js";
import { signData } from "./algorithms.js";
import { signatureBase } from "./base.js";
import { contentDigestField, type DigestAlgorithm } from "./content-digest.js";
import { COVER_WHEN_PRESENT, DEFAULT_LABEL, WIMSE_TAG, WIT_HEADER } from "./profile.js";
import {
  type BareItem,
  type SfInnerList,
  serializeDictionary,
  serializeInnerList,
  sf,
} from "./structured-fields.js";

export interface SignRequestOptions {
  readonly method: string;
  /** Absolute target URI, e.g. "https://svc-c.example/orders?id=7". */
  readonly url: string | URL;
  /** Request headers (any case; returned lower-cased). */
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: Uint8Array | string;
  /** The caller's WIT (compact JWS). */
  readonly wit: string;
  /** The private key matching the WIT's cnf.jwk. */
  readonly privateKey: KeyObject;
  /** cnf.jwk.alg of the WIT: ES256, ES384, EdDSA, PS256 or RS256. */
  readonly alg: string;
  /** `wimse-aud`; default: the target URI without query and fragment. */
  readonly audience?: string;
  /** Signing time; default now. */
  readonly now?: Date;
  /** expires - created, seconds. Default 60. */
  readonly lifetimeSeconds?: number;
  /** Default: 24 random bytes, base64url. */
  readonly nonce?: string;
  /** Signature label. Default "wimse". */
  readonly label?: string;
  readonly digestAlgorithms?: readonly DigestAlgorithm[];
  readonly targetForm?: "path-query" | "request-target";
  /** More header fields to cover (lower-case names, must be present). */
  readonly extraFields?: readonly string[];
  /** Sets `wimse-sign-response` (the caller requires a signed response). */
  readonly requireSignedResponse?: boolean;
  /** Extra signature parameters, appended after the profile's (tests use this for `alg`, `keyid`). */
  readonly extraParams?: ReadonlyArray<readonly [string, BareItem]>;
  /** Test hook: signature parameters to leave out (e.g. "nonce"). */
  readonly omitParams?: readonly string[];
  /** Test hook: the exact covered list, replacing the profile's. */
  readonly components?: readonly string[];
}

export interface SignedRequest {
  /** Every header to send, lower-cased: the input headers plus the WIT, digest and signature fields. */
  readonly headers: Record<string, string>;
  readonly covered: readonly string[];
  readonly signatureBase: string;
  readonly label: string;
  readonly created: number;
  readonly expires: number;
  readonly nonce: string;
  readonly audience: string;
}

export function signRequest(options: SignRequestOptions): SignedRequest {
  const url = typeof options.url === "string" ? new URL(options.url) : options.url;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(options.headers ?? {})) headers[name.toLowerCase()] = value;
  headers[WIT_HEADER] = options.wit;

  const body = typeof options.body === "string" ? new TextEncoder().encode(options.body) : options.body;
  if (body !== undefined && body.length > 0) {
    headers["content-digest"] = contentDigestField(body, options.digestAlgorithms);
    headers["content-length"] ??= String(body.length);
  }

  const covered: string[] = ["@method"];
  covered.push(...(options.targetForm === "request-target" ? ["@request-target"] : ["@path", "@query"]));
  for (const field of COVER_WHEN_PRESENT) if (headers[field] !== undefined) covered.push(field);
  for (const field of options.extraFields ?? []) if (!covered.includes(field)) covered.push(field);
  if (options.components) covered.splice(0, covered.length, ...options.components);

  const created = Math.floor((options.now ?? new Date()).getTime() / 1000);
  const expires = created + (options.lifetimeSeconds ?? 60);
  const nonce = options.nonce ?? randomBytes(24).toString("base64url");
  const audience = options.audience ?? `${url.origin}${url.pathname}`;
  const params = new Map<string, BareItem>([
    ["created", sf.integer(created)],
    ["expires", sf.integer(expires)],
    ["nonce", sf.string(nonce)],
    ["tag", sf.string(WIMSE_TAG)],
    ["wimse-aud", sf.string(audience)],
  ]);
  if (options.requireSignedResponse) params.set("wimse-sign-response", sf.boolean(true));
  for (const [key, value] of options.extraParams ?? []) params.set(key, value);
  for (const key of options.omitParams ?? []) params.delete(key);
  const input: SfInnerList = { kind: "inner-list", items: covered.map((c) => sf.item(sf.string(c))), params };

  const view: HttpRequestView = {
    method: options.method,
    scheme: url.protocol.replace(/:$/, ""),
    host: url.host,
    path: `${url.pathname}${url.search}`,
    headers,
    body,
    bodyTruncated: false,
  };
  const base = signatureBase(input, view);
  if (!base.ok) throw new Error(`http-sig: cannot sign: ${base.detail}`);
  const signature = signData(options.alg, options.privateKey, Buffer.from(base.base, "ascii"));

  const label = options.label ?? DEFAULT_LABEL;
  headers["signature-input"] = `${label}=${serializeInnerList(input)}`;
  headers.signature = serializeDictionary(new Map([[label, sf.item(sf.bytes(signature))]]));
  return {
    headers,
    covered,
    signatureBase: base.base,
    label,
    created,
    expires,
    nonce,
    audience,
  };
}
