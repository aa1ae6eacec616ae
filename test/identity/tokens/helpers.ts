/** Shared fixtures of the token tests: keys generated at test time, a configured authenticator. */
import {
  createTokenAuthenticator,
  staticWitKeys,
  type TokenAuthResult,
  type TokenConfig,
} from "../../../src/identity/tokens/index.js";
import type { HttpRequestView, ReplayCache } from "../../../src/identity/tokens/types.js";
import {
  formatWitJwks,
  mintWit,
  mintWpt,
  newKeyPair,
  type TokenKeyAlg,
  type TokenKeyPair,
} from "../../../src/pki/tokens.js";

export const TARGET = "https://c.example/api/orders";
export const SUB = "spiffe://demo.example/ns/shop/sa/b";
export const OTHER_SUB = "spiffe://other.example/ns/shop/sa/x";
export const NOW = new Date("2026-11-26T10:00:00Z");
export const NOW_S = Math.floor(NOW.getTime() / 1000);

export interface Fixture {
  issuer: TokenKeyPair;
  otherIssuer: TokenKeyPair;
  proof: TokenKeyPair;
}

const fixtures = new Map<TokenKeyAlg, Fixture>();

/** Keys for one proof algorithm (issuers are ES256), generated once per test file. */
export function fixture(alg: TokenKeyAlg = "ES256"): Fixture {
  let f = fixtures.get(alg);
  if (!f) {
    f = {
      issuer: newKeyPair("ES256", "demo-k1"),
      otherIssuer: newKeyPair("ES256", "other-k1"),
      proof: newKeyPair(alg),
    };
    fixtures.set(alg, f);
  }
  return f;
}

export function config(f: Fixture, extra: Partial<TokenConfig> = {}): TokenConfig {
  return {
    targets: [TARGET, "https://c.internal/api/orders"],
    trustDomains: {
      "demo.example": { keys: [staticWitKeys(formatWitJwks([f.issuer]), "jwks")] },
      "other.example": { keys: [staticWitKeys(formatWitJwks([f.otherIssuer]), "jwks")] },
    },
    otherTokenHeaders: ["x-user-token"],
    ...extra,
  };
}

export async function wit(f: Fixture, o: Partial<Parameters<typeof mintWit>[0]> = {}): Promise<string> {
  return mintWit({
    sub: SUB,
    key: f.issuer.privateKey,
    kid: f.issuer.kid,
    alg: "ES256",
    cnfJwk: f.proof.publicJwk,
    now: NOW,
    ...o,
  });
}

export async function wpt(
  f: Fixture,
  witText: string,
  o: Partial<Parameters<typeof mintWpt>[0]> = {},
): Promise<string> {
  return mintWpt({ wit: witText, key: f.proof.privateKey, alg: f.proof.alg, aud: TARGET, now: NOW, ...o });
}

export function request(
  headers: Record<string, string>,
  extra: Partial<HttpRequestView> = {},
): HttpRequestView {
  return {
    method: "GET",
    scheme: "https",
    host: "c.example",
    path: "/api/orders?id=1",
    headers,
    bodyTruncated: false,
    ...extra,
  };
}

/** A fresh authenticator (own replay cache) for one request. */
export async function authenticate(
  f: Fixture,
  req: HttpRequestView,
  extra: Partial<TokenConfig> = {},
  now = NOW,
): Promise<TokenAuthResult> {
  const auth = createTokenAuthenticator(config(f, extra));
  try {
    await auth.ready();
    return await auth.authenticate(req, now);
  } finally {
    auth.close();
  }
}

export function codeOf(r: TokenAuthResult): string {
  if (!r.present) return "absent";
  return r.ok ? "ok" : r.code;
}

export type { ReplayCache };
