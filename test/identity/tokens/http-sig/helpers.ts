/** Test helpers for the HTTP-signature proof: keys, VerifiedWit values and requests, made at test time. */
import { createHash, createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import { CompactSign, calculateJwkThumbprint, type JWK } from "jose";
import {
  type SignedRequest,
  type SignRequestOptions,
  signRequest,
} from "../../../../src/identity/tokens/http-sig/index.js";
import type { HttpRequestView, ReplayCache, VerifiedWit } from "../../../../src/identity/tokens/types.js";

export type Alg = "ES256" | "ES384" | "EdDSA" | "Ed25519" | "PS256" | "RS256";

export function keyPair(alg: Alg): { privateKey: KeyObject; publicKey: KeyObject } {
  switch (alg) {
    case "ES256":
      return generateKeyPairSync("ec", { namedCurve: "P-256" });
    case "ES384":
      return generateKeyPairSync("ec", { namedCurve: "P-384" });
    case "EdDSA":
    case "Ed25519":
      return generateKeyPairSync("ed25519");
    case "PS256":
    case "RS256":
      return generateKeyPairSync("rsa", { modulusLength: 2048 });
  }
}

export interface Caller {
  readonly wit: VerifiedWit;
  readonly privateKey: KeyObject;
  readonly alg: Alg;
}

const issuer = generateKeyPairSync("ec", { namedCurve: "P-256" });

/**
 * A VerifiedWit as the WIT stage would produce it: a real compact JWS signed by a test issuer,
 * whose cnf.jwk is the caller's proof key. Only its fields matter to the proof verifier.
 */
export async function makeCaller(alg: Alg, sub = "spiffe://prod.example/ns/a/sa/caller"): Promise<Caller> {
  const { privateKey, publicKey } = keyPair(alg);
  const jwk = { ...(publicKey.export({ format: "jwk" }) as JWK), alg };
  const now = Math.floor(Date.now() / 1000);
  const claims = { sub, exp: now + 3600, iat: now, cnf: { jwk } };
  const compact = await new CompactSign(new TextEncoder().encode(JSON.stringify(claims)))
    .setProtectedHeader({ alg: "ES256", typ: "wit+jwt", kid: "issuer-1" })
    .sign(issuer.privateKey);
  const url = new URL(sub);
  const wit: VerifiedWit = {
    identity: { id: sub, scheme: "spiffe", trustDomain: url.host, path: url.pathname },
    compact,
    wth: createHash("sha256").update(compact, "ascii").digest("base64url"),
    header: { alg: "ES256", kid: "issuer-1", typ: "wit+jwt" },
    claims: { sub, exp: claims.exp, iat: now },
    cnf: { alg, key: createPublicKey(privateKey), thumbprint: await calculateJwkThumbprint(jwk) },
  };
  return { wit, privateKey, alg };
}

/** A VerifiedWit identical to `caller.wit` but claiming another cnf algorithm or key. */
export function withCnf(wit: VerifiedWit, cnf: Partial<VerifiedWit["cnf"]>): VerifiedWit {
  return { ...wit, cnf: { ...wit.cnf, ...cnf } };
}

/** In-memory ReplayCache that records every key (no eviction: tests are short). */
export class MemoryReplay implements ReplayCache {
  readonly seen = new Map<string, number>();
  async remember(key: string, expiresAt: number): Promise<boolean> {
    if (this.seen.has(key)) return false;
    this.seen.set(key, expiresAt);
    return true;
  }
}

export const TARGET = "https://svc-c.example/orders";

export type SignOverrides = Partial<Omit<SignRequestOptions, "wit" | "privateKey" | "alg">>;

/** Signs a request for `caller` with sensible defaults (POST-less GET to TARGET). */
export function sign(caller: Caller, o: SignOverrides = {}): SignedRequest {
  return signRequest({
    method: "GET",
    url: `${TARGET}?id=7`,
    wit: caller.wit.compact,
    privateKey: caller.privateKey,
    alg: caller.alg,
    ...o,
  });
}

/** The HttpRequestView Envoy would hand the stage for a signed request. */
export function view(
  signed: SignedRequest,
  o: Partial<HttpRequestView> & { url?: string } = {},
): HttpRequestView {
  const url = new URL(o.url ?? `${TARGET}?id=7`);
  const { url: _ignored, ...rest } = o;
  return {
    method: "GET",
    scheme: "https",
    host: url.host,
    path: `${url.pathname}${url.search}`,
    headers: signed.headers,
    bodyTruncated: false,
    ...rest,
  };
}
