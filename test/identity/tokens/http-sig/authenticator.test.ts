/**
 * End to end in-process: a WIT minted by a trust domain's issuer key, published as a JWKS file,
 * verified by the TokenAuthenticator, with the request bound by an HTTP Message Signature made
 * with the WIT's cnf key. Shows the stage's output (method "http-sig" and its facts) and that the
 * proof's failures surface through it unchanged.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signRequest } from "../../../../src/identity/tokens/http-sig/index.js";
import { createTokenAuthenticator } from "../../../../src/identity/tokens/index.js";
import type { HttpRequestView, TokenAuthenticator } from "../../../../src/identity/tokens/types.js";
import { formatWitJwks, mintWit, newKeyPair, type TokenKeyPair } from "../../../../src/pki/tokens.js";

const TARGET = "https://svc-c.example/orders";
const SUB = "spiffe://prod.example/ns/shop/sa/svc-b";

let dir: string;
let issuer: TokenKeyPair;
let foreignIssuer: TokenKeyPair;
let auth: TokenAuthenticator;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "httpsig-e2e-"));
  issuer = newKeyPair("ES256", "prod-1");
  foreignIssuer = newKeyPair("ES256", "prod-1"); // same kid, another trust domain's key
  const file = join(dir, "prod.jwks.json");
  writeFileSync(file, formatWitJwks([issuer]));
  auth = createTokenAuthenticator({
    targets: [TARGET],
    trustDomains: { "prod.example": { keys: [{ format: "jwks", file, watch: false }] } },
    proof: "either",
  });
  await auth.ready();
});

afterAll(() => {
  auth?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function signedRequest(o: { issuerKey?: TokenKeyPair; alg?: "ES256" | "EdDSA" | "PS256" } = {}) {
  const caller = newKeyPair(o.alg ?? "EdDSA");
  const signer = o.issuerKey ?? issuer;
  const wit = await mintWit({
    sub: SUB,
    key: signer.privateKey,
    kid: signer.kid,
    alg: "ES256",
    cnfJwk: caller.publicJwk,
  });
  const body = new TextEncoder().encode('{"order": 42}');
  const signed = signRequest({
    method: "POST",
    url: `${TARGET}?dry=1`,
    headers: { "content-type": "application/json" },
    body,
    wit,
    privateKey: caller.privateKey,
    alg: caller.alg,
  });
  // What Envoy forwards after a middlebox rewrote Host: the signature does not cover it.
  const request: HttpRequestView = {
    method: "POST",
    scheme: "https",
    host: "svc-c.internal:8443",
    path: "/orders?dry=1",
    headers: signed.headers,
    body,
    bodyTruncated: false,
  };
  return { request, signed, caller };
}

describe("TokenAuthenticator with an HTTP-signature proof", () => {
  it.each(["EdDSA", "ES256", "PS256"] as const)("accepts a WIT + %s HTTP signature", async (alg) => {
    const { request, signed, caller } = await signedRequest({ alg });
    const result = await auth.authenticate(request);
    expect(result).toMatchObject({
      present: true,
      ok: true,
      identity: {
        id: SUB,
        trustDomain: "prod.example",
        method: "http-sig",
        tokens: {
          wit: { alg: "ES256", kid: "prod-1", cnf_alg: alg },
          proof: {
            kind: "http-sig",
            aud: TARGET,
            nonce: signed.nonce,
            created: signed.created,
            expires: signed.expires,
            covered: signed.covered,
            digestChecked: true,
          },
        },
      },
    });
    expect(caller.alg).toBe(alg);
  });

  it("refuses the same request twice (nonce replay through the shared cache)", async () => {
    const { request } = await signedRequest();
    expect(await auth.authenticate(request)).toMatchObject({ ok: true });
    expect(await auth.authenticate(request)).toMatchObject({
      present: true,
      ok: false,
      code: "httpsig_replayed_nonce",
      check: "http-sig.nonce",
      status: 400,
    });
  });

  it("surfaces a body tampered behind the middlebox as a digest mismatch", async () => {
    const { request } = await signedRequest();
    const body = new TextEncoder().encode('{"order": 43}');
    expect(await auth.authenticate({ ...request, body })).toMatchObject({
      ok: false,
      code: "httpsig_digest_mismatch",
      check: "http-sig.content-digest",
    });
  });

  it("surfaces a tampered path as a bad signature", async () => {
    const { request } = await signedRequest();
    expect(await auth.authenticate({ ...request, path: "/admin?dry=1" })).toMatchObject({
      ok: false,
      code: "httpsig_bad_signature",
    });
  });

  it("never reaches the signature when the WIT is signed by another trust domain's key", async () => {
    const { request } = await signedRequest({ issuerKey: foreignIssuer });
    const result = await auth.authenticate(request);
    expect(result).toMatchObject({ present: true, ok: false });
    expect(result.present && !result.ok && result.code).toMatch(/^wit_/);
  });
});
