/**
 * TokenAuthenticator end to end in-process: acceptance for every algorithm and binding, and a table
 * of every rejection, each asserting the stable code and the check it names.
 */
import { createSecretKey, type KeyObject, sign } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  createTokenAuthenticator,
  MemoryReplayCache,
  staticWitKeys,
  WitKeyState,
} from "../../../src/identity/tokens/index.js";
import { signRequest } from "../../../src/identity/tokens/http-sig/index.js";
import {
  formatWitJwks,
  mintWit,
  mintWpt,
  newKeyPair,
  publicJwk,
  signJwt,
  type TokenKeyAlg,
  tokenHash,
} from "../../../src/pki/tokens.js";
import {
  authenticate,
  codeOf,
  config,
  type Fixture,
  fixture,
  NOW,
  NOW_S,
  OTHER_SUB,
  request,
  SUB,
  TARGET,
  wit,
  wpt,
} from "./helpers.js";

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");

/** An ES256 compact JWS signed outside jose (which refuses to produce some of the headers tested). */
function rawEs256(header: object, claims: object, key: KeyObject): string {
  const input = `${b64(header)}.${b64(claims)}`;
  const sig = sign("sha256", Buffer.from(input), { key, dsaEncoding: "ieee-p1363" });
  return `${input}.${sig.toString("base64url")}`;
}

/** Sets an unused low bit of the signature's last character (decodes to the same bytes). */
function nonCanonical(jws: string): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const last = jws.at(-1) as string;
  return `${jws.slice(0, -1)}${alphabet[alphabet.indexOf(last) | 1]}`;
}

/** Replaces the middle character of the signature with another base64url character. */
function tamperSignature(jws: string): string {
  const [h, p, s] = jws.split(".") as [string, string, string];
  const i = Math.floor(s.length / 2);
  const c = s[i] === "A" ? "B" : "A";
  return `${h}.${p}.${s.slice(0, i)}${c}${s.slice(i + 1)}`;
}

describe("acceptance", () => {
  for (const alg of ["ES256", "ES384", "EdDSA", "PS256", "RS256"] as TokenKeyAlg[]) {
    it(`accepts a WIT + WPT with a ${alg} proof key`, async () => {
      const f = fixture(alg);
      const w = await wit(f);
      const r = await authenticate(
        f,
        request({ "workload-identity-token": w, "workload-proof-token": await wpt(f, w) }),
      );
      expect(r.present && r.ok).toBe(true);
      if (!r.present || !r.ok) return;
      expect(r.identity.id).toBe(SUB);
      expect(r.identity.trustDomain).toBe("demo.example");
      expect(r.identity.method).toBe("wit-wpt");
      expect(r.identity.tokens.wit.cnf_alg).toBe(alg);
      expect(r.identity.tokens.wit.kid).toBe("demo-k1");
      expect(r.identity.tokens.proof).toMatchObject({ kind: "wpt", aud: TARGET, bound: [] });
    });
  }

  it("returns present:false without a Workload-Identity-Token", async () => {
    const f = fixture();
    const r = await authenticate(f, request({ "workload-proof-token": await wpt(f, await wit(f)) }));
    expect(r).toEqual({ present: false });
  });

  it("accepts ath, tth and oth when their tokens are present, and reports them as bound", async () => {
    const f = fixture();
    const w = await wit(f);
    const p = await wpt(f, w, {
      accessToken: "at-123",
      txnToken: "txn-456",
      otherTokens: { "x-user-token": "u-789" },
    });
    const r = await authenticate(
      f,
      request({
        "workload-identity-token": w,
        "workload-proof-token": p,
        authorization: "Bearer at-123",
        "txn-token": "txn-456",
        "x-user-token": " u-789 ",
      }),
    );
    expect(
      r.present && r.ok && r.identity.tokens.proof.kind === "wpt" && r.identity.tokens.proof.bound,
    ).toEqual(["ath", "tth", "oth"]);
  });

  it("accepts typ in its RFC 7515 equivalent forms and aud as a one-element array", async () => {
    const f = fixture();
    const w = await wit(f, { typ: "application/wit+jwt" });
    const p = await wpt(f, w, { typ: "WPT+JWT", aud: ["https://c.internal/api/orders"] });
    const r = await authenticate(f, request({ "workload-identity-token": w, "workload-proof-token": p }));
    expect(codeOf(r)).toBe("ok");
  });

  it("accepts an allowed iss and reports iss and jti", async () => {
    const f = fixture();
    const w = await wit(f, { iss: "https://issuer.demo.example", jti: "wit-1" });
    const extra = {
      trustDomains: {
        "spiffe://demo.example": {
          keys: [staticWitKeys(formatWitJwks([f.issuer]), "jwks")],
          issuers: ["https://issuer.demo.example"],
        },
      },
    };
    const r = await authenticate(
      f,
      request({ "workload-identity-token": w, "workload-proof-token": await wpt(f, w) }),
      extra,
    );
    expect(r.present && r.ok && r.identity.tokens.wit).toMatchObject({
      iss: "https://issuer.demo.example",
      jti: "wit-1",
    });
  });

  it("accepts keys from SPIFFE bundle JSON jwt-svid entries", async () => {
    const f = fixture();
    const bundle = JSON.stringify({ keys: [{ use: "jwt-svid", ...f.issuer.publicJwk }], spiffe_sequence: 3 });
    const w = await wit(f);
    const r = await authenticate(
      f,
      request({ "workload-identity-token": w, "workload-proof-token": await wpt(f, w) }),
      {
        trustDomains: { "demo.example": { keys: [staticWitKeys(bundle, "spiffe")] } },
      },
    );
    expect(codeOf(r)).toBe("ok");
  });

  it("accepts a WIT with an HTTP signature proof (method http-sig)", async () => {
    const f = fixture("EdDSA");
    const w = await wit(f);
    const signed = signRequest({
      method: "POST",
      url: `${TARGET}?id=1`,
      body: '{"n":1}',
      wit: w,
      privateKey: f.proof.privateKey,
      alg: "EdDSA",
      now: NOW,
    });
    const r = await authenticate(
      f,
      request(signed.headers, {
        method: "POST",
        path: "/api/orders?id=1",
        body: new TextEncoder().encode('{"n":1}'),
      }),
    );
    expect(codeOf(r)).toBe("ok");
    expect(r.present && r.ok && r.identity.method).toBe("http-sig");
  });
});

interface Case {
  name: string;
  /** Builds the request headers (and optional request fields / config) for this case. */
  build: (f: Fixture) => Promise<{
    headers: Record<string, string>;
    host?: string;
    extra?: Parameters<typeof config>[1];
  }>;
  code: string;
  check: string;
}

const pair = async (f: Fixture, witOpts = {}, wptOpts = {}) => {
  const w = await wit(f, witOpts);
  return { "workload-identity-token": w, "workload-proof-token": await wpt(f, w, wptOpts) };
};

const rejections: Case[] = [
  // dispatch
  {
    name: "a WIT alone (never a bearer token)",
    build: async (f) => ({ headers: { "workload-identity-token": await wit(f) } }),
    code: "tokens_proof_missing",
    check: "tokens.proof",
  },
  {
    name: "two WIT headers (merged by Envoy with a comma)",
    build: async (f) => {
      const h = await pair(f);
      return {
        headers: { ...h, "workload-identity-token": `${h["workload-identity-token"]},${await wit(f)}` },
      };
    },
    code: "tokens_multiple_wit",
    check: "tokens.wit",
  },
  {
    name: "a WPT and an HTTP signature",
    build: async (f) => ({
      headers: { ...(await pair(f)), signature: "wimse=:AAAA:", "signature-input": "wimse=()" },
    }),
    code: "tokens_ambiguous_proof",
    check: "tokens.proof",
  },
  {
    name: "a WPT where only http-sig is configured",
    build: async (f) => ({ headers: await pair(f), extra: { proof: "http-sig" } }),
    code: "tokens_proof_not_allowed",
    check: "tokens.proof",
  },
  // WIT
  {
    name: "WIT: empty header",
    build: async (f) => ({ headers: { ...(await pair(f)), "workload-identity-token": "" } }),
    code: "wit_malformed",
    check: "wit.header",
  },
  {
    name: "WIT: longer than 16 KiB",
    build: async (f) => ({ headers: await pair(f, { extraClaims: { pad: "x".repeat(17_000) } }) }),
    code: "wit_malformed",
    check: "wit.header",
  },
  {
    name: "WIT: not a compact JWS",
    build: async (f) => ({ headers: { ...(await pair(f)), "workload-identity-token": "not-a-jws" } }),
    code: "wit_malformed",
    check: "wit.header",
  },
  {
    name: "WIT: non-canonical base64url signature (same bytes, other text)",
    build: async (f) => {
      const w = nonCanonical(await wit(f));
      return { headers: { "workload-identity-token": w, "workload-proof-token": await wpt(f, w) } };
    },
    code: "wit_malformed",
    check: "wit.header",
  },
  {
    name: "WPT: non-canonical base64url signature",
    build: async (f) => {
      const h = await pair(f);
      return { headers: { ...h, "workload-proof-token": nonCanonical(h["workload-proof-token"]) } };
    },
    code: "wpt_malformed",
    check: "wpt.header",
  },
  {
    name: "WIT: typ jwt",
    build: async (f) => ({ headers: await pair(f, { typ: "jwt" }) }),
    code: "wit_bad_typ",
    check: "wit.typ",
  },
  {
    name: "WIT: typ wpt+jwt (a proof presented as identity)",
    build: async (f) => ({ headers: await pair(f, { typ: "wpt+jwt" }) }),
    code: "wit_bad_typ",
    check: "wit.typ",
  },
  {
    name: "WIT: typ missing",
    build: async (f) => ({ headers: await pair(f, { extraHeader: { typ: undefined } }) }),
    code: "wit_bad_typ",
    check: "wit.typ",
  },
  {
    name: "WIT: alg none",
    build: async (f) => {
      const w = `${b64({ typ: "wit+jwt", alg: "none", kid: "demo-k1" })}.${b64({ sub: SUB, exp: NOW_S + 3600, cnf: { jwk: f.proof.publicJwk } })}.AAAA`;
      return { headers: { "workload-identity-token": w, "workload-proof-token": await wpt(f, w) } };
    },
    code: "wit_alg_not_allowed",
    check: "wit.alg",
  },
  {
    name: "WIT: alg none with an empty signature",
    build: async (f) => {
      const w = `${b64({ typ: "wit+jwt", alg: "none", kid: "demo-k1" })}.${b64({ sub: SUB, exp: NOW_S + 3600, cnf: { jwk: f.proof.publicJwk } })}.`;
      return { headers: { "workload-identity-token": w, "workload-proof-token": await wpt(f, w) } };
    },
    code: "wit_malformed",
    check: "wit.header",
  },
  {
    name: "WIT: HS256 keyed with the issuer's public key (key confusion)",
    build: async (f) => {
      const secret = createSecretKey(Buffer.from(JSON.stringify(f.issuer.publicJwk)));
      const w = await signJwt(
        { typ: "wit+jwt", alg: "HS256", kid: "demo-k1" },
        { sub: SUB, exp: NOW_S + 3600, cnf: { jwk: f.proof.publicJwk } },
        secret,
      );
      return { headers: { "workload-identity-token": w, "workload-proof-token": await wpt(f, w) } };
    },
    code: "wit_alg_not_allowed",
    check: "wit.alg",
  },
  {
    name: "WIT: alg not in the configured allowlist",
    build: async (f) => ({
      headers: await pair(f),
      extra: { algorithms: ["EdDSA", "ES256"].filter((a) => a !== "ES256") },
    }),
    code: "wit_alg_not_allowed",
    check: "wit.alg",
  },
  {
    name: "WIT: header alg ES384 on an ES256 issuer key (alg mismatch)",
    build: async (f) => {
      const es384 = newKeyPair("ES384");
      return { headers: await pair(f, { alg: "ES384", key: es384.privateKey }) };
    },
    code: "wit_alg_mismatch",
    check: "wit.alg",
  },
  {
    name: "WIT: critical extension (b64=false)",
    build: async (f) => {
      const w = rawEs256(
        { typ: "wit+jwt", alg: "ES256", kid: f.issuer.kid, crit: ["b64"], b64: false },
        { sub: SUB, exp: NOW_S + 3600, cnf: { jwk: f.proof.publicJwk } },
        f.issuer.privateKey,
      );
      return { headers: { "workload-identity-token": w, "workload-proof-token": await wpt(f, w) } };
    },
    code: "wit_crit_unsupported",
    check: "wit.crit",
  },
  {
    name: "WIT: attacker key embedded in the header (jwk) is never used",
    build: async (f) => {
      const attacker = newKeyPair("ES256", f.issuer.kid);
      return {
        headers: await pair(f, { key: attacker.privateKey, extraHeader: { jwk: attacker.publicJwk } }),
      };
    },
    code: "wit_bad_signature",
    check: "wit.signature",
  },
  {
    name: "WIT: attacker key set URL in the header (jku) is never fetched",
    build: async (f) => {
      const attacker = newKeyPair("ES256", "attacker");
      return {
        headers: await pair(f, {
          key: attacker.privateKey,
          kid: "attacker",
          extraHeader: { jku: "https://evil.example/keys" },
        }),
      };
    },
    code: "wit_kid_unknown",
    check: "wit.kid",
  },
  {
    name: "WIT: no kid",
    build: async (f) => ({ headers: await pair(f, { extraHeader: { kid: undefined } }) }),
    code: "wit_kid_missing",
    check: "wit.kid",
  },
  {
    name: "WIT: unknown kid",
    build: async (f) => ({ headers: await pair(f, { kid: "nope" }) }),
    code: "wit_kid_unknown",
    check: "wit.kid",
  },
  {
    name: "WIT: signed by another trust domain's key (its kid)",
    build: async (f) => ({
      headers: await pair(f, { key: f.otherIssuer.privateKey, kid: f.otherIssuer.kid }),
    }),
    code: "wit_kid_unknown",
    check: "wit.kid",
  },
  {
    name: "WIT: signed by another trust domain's key under this domain's kid",
    build: async (f) => ({ headers: await pair(f, { key: f.otherIssuer.privateKey, kid: f.issuer.kid }) }),
    code: "wit_bad_signature",
    check: "wit.signature",
  },
  {
    name: "WIT: sub of another trust domain with this domain's kid",
    build: async (f) => ({ headers: await pair(f, { sub: OTHER_SUB }) }),
    code: "wit_kid_unknown",
    check: "wit.kid",
  },
  {
    name: "WIT: sub of an unconfigured trust domain",
    build: async (f) => ({ headers: await pair(f, { sub: "spiffe://elsewhere.example/x" }) }),
    code: "wit_trust_domain_unknown",
    check: "wit.sub",
  },
  {
    name: "WIT: sub of the right trust domain under another scheme than the configured origin",
    build: async (f) => ({
      headers: await pair(f, { sub: "wimse://demo.example/x" }),
      extra: {
        trustDomains: {
          "spiffe://demo.example": { keys: [staticWitKeys(formatWitJwks([f.issuer]), "jwks")] },
        },
      },
    }),
    code: "wit_trust_domain_unknown",
    check: "wit.sub",
  },
  ...[
    "spiffe://demo.example/ns/%70ay",
    "spiffe://Demo.example/ns/a",
    "spiffe://demo.example/ns//a",
    "spiffe://demo.example/ns/a/",
    "spiffe://demo.example/ns/../a",
    "spiffe://demo.example:443/ns/a",
    "spiffe://demo.example",
    "https://demo.example/ns/a",
  ].map(
    (sub): Case => ({
      name: `WIT: non-canonical sub ${sub}`,
      build: async (f) => ({ headers: await pair(f, { sub }) }),
      code: "wit_sub_invalid",
      check: "wit.sub",
    }),
  ),
  {
    name: "WIT: no sub",
    build: async (f) => ({ headers: await pair(f, { extraClaims: { sub: undefined } }) }),
    code: "wit_sub_missing",
    check: "wit.sub",
  },
  {
    name: "WIT: tampered signature",
    build: async (f) => {
      const w = await wit(f);
      return {
        headers: {
          "workload-identity-token": tamperSignature(w),
          "workload-proof-token": await wpt(f, tamperSignature(w)),
        },
      };
    },
    code: "wit_bad_signature",
    check: "wit.signature",
  },
  {
    name: "WIT: tampered payload (sub swapped)",
    build: async (f) => {
      const [h, , s] = (await wit(f)).split(".");
      const w = `${h}.${b64({ sub: "spiffe://demo.example/ns/shop/sa/admin", exp: NOW_S + 3600, cnf: { jwk: f.proof.publicJwk } })}.${s}`;
      return { headers: { "workload-identity-token": w, "workload-proof-token": await wpt(f, w) } };
    },
    code: "wit_bad_signature",
    check: "wit.signature",
  },
  {
    name: "WIT: expired",
    build: async (f) => ({ headers: await pair(f, { exp: NOW_S - 120, iat: NOW_S - 3600 }) }),
    code: "wit_expired",
    check: "wit.exp",
  },
  {
    name: "WIT: no exp",
    build: async (f) => ({ headers: await pair(f, { extraClaims: { exp: undefined } }) }),
    code: "wit_exp_missing",
    check: "wit.exp",
  },
  {
    name: "WIT: exp not a number",
    build: async (f) => ({ headers: await pair(f, { extraClaims: { exp: String(NOW_S + 60) } }) }),
    code: "wit_exp_invalid",
    check: "wit.exp",
  },
  {
    name: "WIT: nbf in the future",
    build: async (f) => ({ headers: await pair(f, { nbf: NOW_S + 600 }) }),
    code: "wit_not_yet_valid",
    check: "wit.nbf",
  },
  {
    name: "WIT: iat in the future",
    build: async (f) => ({ headers: await pair(f, { iat: NOW_S + 600 }) }),
    code: "wit_iat_in_future",
    check: "wit.iat",
  },
  {
    name: "WIT: lifetime above the configured maximum",
    build: async (f) => ({
      headers: await pair(f, { lifetimeSeconds: 7200 }),
      extra: { maxWitLifetimeSeconds: 3600 },
    }),
    code: "wit_lifetime_too_long",
    check: "wit.exp",
  },
  {
    name: "WIT: iss not in the allowlist",
    build: async (f) => ({
      headers: await pair(f, { iss: "https://evil.example" }),
      extra: {
        trustDomains: {
          "demo.example": {
            keys: [staticWitKeys(formatWitJwks([f.issuer]), "jwks")],
            issuers: ["https://issuer.demo.example"],
          },
        },
      },
    }),
    code: "wit_iss_not_allowed",
    check: "wit.iss",
  },
  {
    name: "WIT: iss missing where an allowlist is configured",
    build: async (f) => ({
      headers: await pair(f),
      extra: {
        trustDomains: {
          "demo.example": {
            keys: [staticWitKeys(formatWitJwks([f.issuer]), "jwks")],
            issuers: ["https://issuer.demo.example"],
          },
        },
      },
    }),
    code: "wit_iss_missing",
    check: "wit.iss",
  },
  {
    name: "WIT: no cnf",
    build: async (f) => ({ headers: await pair(f, { extraClaims: { cnf: undefined } }) }),
    code: "wit_cnf_missing",
    check: "wit.cnf",
  },
  {
    name: "WIT: cnf.jwk without alg",
    build: async (f) => {
      const { alg: _alg, ...noAlg } = f.proof.publicJwk;
      return { headers: await pair(f, { cnfJwk: noAlg }) };
    },
    code: "wit_cnf_alg_missing",
    check: "wit.cnf.jwk.alg",
  },
  {
    name: "WIT: cnf.jwk alg none",
    build: async (f) => ({ headers: await pair(f, { cnfJwk: { ...f.proof.publicJwk, alg: "none" } }) }),
    code: "wit_cnf_alg_not_allowed",
    check: "wit.cnf.jwk.alg",
  },
  {
    name: "WIT: cnf.jwk alg HS256",
    build: async (f) => ({ headers: await pair(f, { cnfJwk: { ...f.proof.publicJwk, alg: "HS256" } }) }),
    code: "wit_cnf_alg_not_allowed",
    check: "wit.cnf.jwk.alg",
  },
  {
    name: "WIT: cnf.jwk is a symmetric key",
    build: async (f) => ({ headers: await pair(f, { cnfJwk: { kty: "oct", k: "c2VjcmV0", alg: "ES256" } }) }),
    code: "wit_cnf_private_key",
    check: "wit.cnf.jwk",
  },
  {
    name: "WIT: cnf.jwk carries the private key",
    build: async (f) => {
      const priv = f.proof.privateKey.export({ format: "jwk" }) as Record<string, string>;
      return { headers: await pair(f, { cnfJwk: { ...priv, alg: "ES256" } }) };
    },
    code: "wit_cnf_private_key",
    check: "wit.cnf.jwk",
  },
  {
    name: "WIT: cnf.jwk alg does not fit its key type",
    build: async (f) => ({ headers: await pair(f, { cnfJwk: { ...f.proof.publicJwk, alg: "EdDSA" } }) }),
    code: "wit_cnf_alg_mismatch",
    check: "wit.cnf.jwk.alg",
  },
  {
    name: "WIT: cnf.jwk RSA key below 2048 bits",
    build: async (f) => {
      const { generateKeyPairSync } = await import("node:crypto");
      const small = generateKeyPairSync("rsa", { modulusLength: 1024 });
      return { headers: await pair(f, { cnfJwk: publicJwk(small.publicKey, "RS256") }) };
    },
    code: "wit_cnf_invalid",
    check: "wit.cnf.jwk",
  },
  // WPT
  {
    name: "WPT: two headers (merged by Envoy with a comma)",
    build: async (f) => {
      const h = await pair(f);
      return {
        headers: {
          ...h,
          "workload-proof-token": `${h["workload-proof-token"]},${h["workload-proof-token"]}`,
        },
      };
    },
    code: "wpt_multiple",
    check: "wpt.header",
  },
  {
    name: "WPT: typ jwt",
    build: async (f) => ({ headers: await pair(f, {}, { typ: "jwt" }) }),
    code: "wpt_bad_typ",
    check: "wpt.typ",
  },
  {
    name: "WPT: typ wit+jwt (the WIT replayed as its own proof)",
    build: async (f) => {
      const w = await wit(f);
      return { headers: { "workload-identity-token": w, "workload-proof-token": w } };
    },
    code: "wpt_bad_typ",
    check: "wpt.typ",
  },
  {
    name: "WPT: alg differs from cnf.jwk.alg",
    build: async (f) => {
      const w = await wit(f);
      const es384 = newKeyPair("ES384");
      return {
        headers: {
          "workload-identity-token": w,
          "workload-proof-token": await wpt(f, w, { alg: "ES384", key: es384.privateKey }),
        },
      };
    },
    code: "wpt_alg_mismatch",
    check: "wpt.alg",
  },
  {
    name: "WPT: critical extension",
    build: async (f) => {
      const w = await wit(f);
      const p = rawEs256(
        { typ: "wpt+jwt", alg: "ES256", crit: ["x-ext"], "x-ext": 1 },
        { aud: TARGET, exp: NOW_S + 60, jti: "c", wth: tokenHash(w) },
        f.proof.privateKey,
      );
      return { headers: { "workload-identity-token": w, "workload-proof-token": p } };
    },
    code: "wpt_crit_unsupported",
    check: "wpt.crit",
  },
  {
    name: "WPT: alg none",
    build: async (f) => {
      const w = await wit(f);
      const p = `${b64({ typ: "wpt+jwt", alg: "none" })}.${b64({ aud: TARGET, exp: NOW_S + 60, jti: "x", wth: tokenHash(w) })}.AAAA`;
      return { headers: { "workload-identity-token": w, "workload-proof-token": p } };
    },
    code: "wpt_alg_not_allowed",
    check: "wpt.alg",
  },
  {
    name: "WPT: HS256",
    build: async (f) => {
      const w = await wit(f);
      const p = await signJwt(
        { typ: "wpt+jwt", alg: "HS256" },
        { aud: TARGET, exp: NOW_S + 60, jti: "x", wth: tokenHash(w) },
        createSecretKey(Buffer.from("k".repeat(32))),
      );
      return { headers: { "workload-identity-token": w, "workload-proof-token": p } };
    },
    code: "wpt_alg_not_allowed",
    check: "wpt.alg",
  },
  {
    name: "WPT: signed by another key than cnf",
    build: async (f) => {
      const w = await wit(f);
      return {
        headers: {
          "workload-identity-token": w,
          "workload-proof-token": await wpt(f, w, { key: newKeyPair("ES256").privateKey }),
        },
      };
    },
    code: "wpt_bad_signature",
    check: "wpt.signature",
  },
  {
    name: "WPT: tampered signature",
    build: async (f) => {
      const h = await pair(f);
      return { headers: { ...h, "workload-proof-token": tamperSignature(h["workload-proof-token"]) } };
    },
    code: "wpt_bad_signature",
    check: "wpt.signature",
  },
  {
    name: "WPT: expired",
    build: async (f) => ({ headers: await pair(f, {}, { exp: NOW_S - 61 }) }),
    code: "wpt_expired",
    check: "wpt.exp",
  },
  {
    name: "WPT: far-future exp",
    build: async (f) => ({ headers: await pair(f, {}, { lifetimeSeconds: 3600 }) }),
    code: "wpt_exp_too_far",
    check: "wpt.exp",
  },
  {
    name: "WPT: no exp",
    build: async (f) => ({ headers: await pair(f, {}, { extraClaims: { exp: undefined } }) }),
    code: "wpt_exp_missing",
    check: "wpt.exp",
  },
  {
    name: "WPT: wrong aud",
    build: async (f) => ({ headers: await pair(f, {}, { aud: "https://d.example/api/orders" }) }),
    code: "wpt_aud_mismatch",
    check: "wpt.aud",
  },
  {
    name: "WPT: aud with the request's query",
    build: async (f) => ({ headers: await pair(f, {}, { aud: `${TARGET}?id=1` }) }),
    code: "wpt_aud_mismatch",
    check: "wpt.aud",
  },
  {
    name: "WPT: aud equal only to the Host of the request",
    build: async (f) => ({
      headers: await pair(f, {}, { aud: "https://evil.example/api/orders" }),
      host: "evil.example",
    }),
    code: "wpt_aud_mismatch",
    check: "wpt.aud",
  },
  {
    name: "WPT: aud equal only to X-Forwarded-Host",
    build: async (f) => ({
      headers: {
        ...(await pair(f, {}, { aud: "https://proxy.example/api/orders" })),
        "x-forwarded-host": "proxy.example",
      },
      host: "proxy.example",
    }),
    code: "wpt_aud_mismatch",
    check: "wpt.aud",
  },
  {
    name: "WPT: aud listing several recipients",
    build: async (f) => ({ headers: await pair(f, {}, { aud: [TARGET, "https://d.example/"] }) }),
    code: "wpt_aud_invalid",
    check: "wpt.aud",
  },
  {
    name: "WPT: no aud",
    build: async (f) => ({ headers: await pair(f, {}, { extraClaims: { aud: undefined } }) }),
    code: "wpt_aud_missing",
    check: "wpt.aud",
  },
  {
    name: "WPT: wth of another WIT",
    build: async (f) => {
      const w = await wit(f);
      return {
        headers: {
          "workload-identity-token": w,
          "workload-proof-token": await wpt(f, await wit(f, { jti: "other" })),
        },
      };
    },
    code: "wpt_wth_mismatch",
    check: "wpt.wth",
  },
  {
    name: "WPT: no wth",
    build: async (f) => ({ headers: await pair(f, {}, { extraClaims: { wth: undefined } }) }),
    code: "wpt_wth_missing",
    check: "wpt.wth",
  },
  {
    name: "WPT: no jti",
    build: async (f) => ({ headers: await pair(f, {}, { extraClaims: { jti: undefined } }) }),
    code: "wpt_jti_missing",
    check: "wpt.jti",
  },
  {
    name: "WPT: missing ath while Authorization is present",
    build: async (f) => ({ headers: { ...(await pair(f)), authorization: "Bearer at-123" } }),
    code: "wpt_ath_missing",
    check: "wpt.ath",
  },
  {
    name: "WPT: ath of another access token",
    build: async (f) => ({
      headers: { ...(await pair(f, {}, { accessToken: "at-999" })), authorization: "Bearer at-123" },
    }),
    code: "wpt_ath_mismatch",
    check: "wpt.ath",
  },
  {
    name: "WPT: ath over the whole header (scheme included)",
    build: async (f) => ({
      headers: { ...(await pair(f, {}, { accessToken: "Bearer at-123" })), authorization: "Bearer at-123" },
    }),
    code: "wpt_ath_mismatch",
    check: "wpt.ath",
  },
  {
    name: "WPT: ath without an Authorization header",
    build: async (f) => ({ headers: await pair(f, {}, { accessToken: "at-123" }) }),
    code: "wpt_ath_unbound",
    check: "wpt.ath",
  },
  {
    name: "WPT: missing tth while Txn-Token is present",
    build: async (f) => ({ headers: { ...(await pair(f)), "txn-token": "txn" } }),
    code: "wpt_tth_missing",
    check: "wpt.tth",
  },
  {
    name: "WPT: tth mismatch",
    build: async (f) => ({
      headers: { ...(await pair(f, {}, { txnToken: "txn-a" })), "txn-token": "txn-b" },
    }),
    code: "wpt_tth_mismatch",
    check: "wpt.tth",
  },
  {
    name: "WPT: tth without a Txn-Token",
    build: async (f) => ({ headers: await pair(f, {}, { txnToken: "txn-a" }) }),
    code: "wpt_tth_unbound",
    check: "wpt.tth",
  },
  {
    name: "WPT: configured other token present without oth",
    build: async (f) => ({ headers: { ...(await pair(f)), "x-user-token": "u" } }),
    code: "wpt_oth_missing",
    check: "wpt.oth",
  },
  {
    name: "WPT: oth entry this service does not understand",
    build: async (f) => ({
      headers: { ...(await pair(f, {}, { otherTokens: { "x-unknown": "u" } })), "x-unknown": "u" },
    }),
    code: "wpt_oth_unknown",
    check: "wpt.oth",
  },
  {
    name: "WPT: oth hash mismatch",
    build: async (f) => ({
      headers: { ...(await pair(f, {}, { otherTokens: { "x-user-token": "a" } })), "x-user-token": "b" },
    }),
    code: "wpt_oth_mismatch",
    check: "wpt.oth",
  },
  {
    name: "WPT: oth entry whose header is absent",
    build: async (f) => ({ headers: await pair(f, {}, { otherTokens: { "x-user-token": "a" } }) }),
    code: "wpt_oth_unbound",
    check: "wpt.oth",
  },
  {
    name: "WPT: oth not an object",
    build: async (f) => ({ headers: await pair(f, {}, { extraClaims: { oth: "abc" } }) }),
    code: "wpt_oth_invalid",
    check: "wpt.oth",
  },
];

describe("rejections", () => {
  it.each(rejections)("$name -> $code", async (c) => {
    const f = fixture();
    const { headers, host, extra } = await c.build(f);
    const r = await authenticate(f, request(headers, host ? { host } : {}), extra);
    expect(r.present).toBe(true);
    if (!r.present) return;
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect({ code: r.code, check: r.check, status: r.status }).toEqual({
      code: c.code,
      check: c.check,
      status: 400,
    });
    // Messages never carry token text.
    for (const v of Object.values(headers))
      if (v.length > 20) expect(r.message).not.toContain(v.slice(0, 20));
  });

  it("the table covers every rejection the brief names", () => {
    const codes = new Set(rejections.map((c) => c.code));
    for (const code of [
      "wit_bad_typ",
      "wpt_bad_typ",
      "wpt_alg_mismatch",
      "wit_alg_not_allowed",
      "wpt_alg_not_allowed",
      "wit_expired",
      "wpt_expired",
      "wpt_exp_too_far",
      "wpt_aud_mismatch",
      "wpt_wth_mismatch",
      "wpt_ath_missing",
      "wit_kid_unknown",
      "wpt_multiple",
      "tokens_multiple_wit",
      "wit_bad_signature",
      "wpt_bad_signature",
      "wit_cnf_alg_missing",
      "wit_sub_invalid",
      "wit_iss_not_allowed",
    ]) {
      expect(codes.has(code), code).toBe(true);
    }
  });
});

describe("replay", () => {
  it("rejects a replayed WPT jti on the same authenticator, accepts a fresh one", async () => {
    const f = fixture();
    // The cache's clock is the request's clock (in production both are the wall clock).
    const auth = createTokenAuthenticator(config(f, { replay: new MemoryReplayCache({ now: () => NOW_S }) }));
    await auth.ready();
    const w = await wit(f);
    const h = { "workload-identity-token": w, "workload-proof-token": await wpt(f, w, { jti: "j-1" }) };
    expect(codeOf(await auth.authenticate(request(h), NOW))).toBe("ok");
    const again = await auth.authenticate(request(h), NOW);
    expect(again.present && !again.ok && again.code).toBe("wpt_replayed");
    const fresh = { ...h, "workload-proof-token": await wpt(f, w, { jti: "j-2" }) };
    expect(codeOf(await auth.authenticate(request(fresh), NOW))).toBe("ok");
    auth.close();
  });

  it("a same jti from another proof key is not a replay (jti is unique per sender)", async () => {
    const f = fixture();
    const g: Fixture = { ...f, proof: newKeyPair("ES256") };
    const auth = createTokenAuthenticator(config(f, { replay: new MemoryReplayCache({ now: () => NOW_S }) }));
    const w1 = await wit(f);
    const w2 = await wit(g);
    expect(
      codeOf(
        await auth.authenticate(
          request({
            "workload-identity-token": w1,
            "workload-proof-token": await wpt(f, w1, { jti: "same" }),
          }),
          NOW,
        ),
      ),
    ).toBe("ok");
    expect(
      codeOf(
        await auth.authenticate(
          request({
            "workload-identity-token": w2,
            "workload-proof-token": await wpt(g, w2, { jti: "same" }),
          }),
          NOW,
        ),
      ),
    ).toBe("ok");
    auth.close();
  });

  it("an invalid proof never fills the replay cache", async () => {
    const f = fixture();
    const seen: string[] = [];
    const replay = {
      remember: async (k: string) => {
        seen.push(k);
        return true;
      },
    };
    const auth = createTokenAuthenticator(config(f, { replay }));
    const w = await wit(f);
    await auth.authenticate(
      request({
        "workload-identity-token": w,
        "workload-proof-token": await wpt(f, w, { aud: "https://x/" }),
      }),
      NOW,
    );
    expect(seen).toEqual([]);
    auth.close();
  });

  it("a failing shared replay store fails closed", async () => {
    const f = fixture();
    const replay = {
      remember: async () => {
        throw new Error("store down");
      },
    };
    const w = await wit(f);
    const r = await authenticate(
      f,
      request({ "workload-identity-token": w, "workload-proof-token": await wpt(f, w) }),
      { replay },
    );
    expect(codeOf(r)).toBe("wpt_replay_unavailable");
    expect(r.present && !r.ok && r.status).toBe(503);
  });
});

describe("robustness", () => {
  it("an injected proof verifier that throws becomes a denial", async () => {
    const f = fixture();
    const auth = createTokenAuthenticator(config(f), {
      wptVerifier: async () => {
        throw new Error("boom");
      },
    });
    const w = await wit(f);
    const r = await auth.authenticate(
      request({ "workload-identity-token": w, "workload-proof-token": await wpt(f, w) }),
      NOW,
    );
    expect(r.present && !r.ok && r.code).toBe("tokens_internal_error");
    auth.close();
  });

  it("a kid shared by two trust domains: the other domain's key never verifies this domain's subject", async () => {
    const f = fixture();
    const shared = newKeyPair("ES256", "shared-kid");
    const attacker = newKeyPair("ES256", "shared-kid");
    const extra = {
      trustDomains: {
        "demo.example": { keys: [staticWitKeys(formatWitJwks([shared]), "jwks")] },
        "other.example": { keys: [staticWitKeys(formatWitJwks([attacker]), "jwks")] },
      },
    };
    const w = await mintWit({
      sub: SUB,
      key: attacker.privateKey,
      kid: "shared-kid",
      alg: "ES256",
      cnfJwk: f.proof.publicJwk,
      now: NOW,
    });
    const r = await authenticate(
      f,
      request({
        "workload-identity-token": w,
        "workload-proof-token": await mintWpt({
          wit: w,
          key: f.proof.privateKey,
          alg: "ES256",
          aud: TARGET,
          now: NOW,
        }),
      }),
      extra,
    );
    expect(codeOf(r)).toBe("wit_bad_signature");
  });
});

describe("verified-WIT cache", () => {
  const replay = () => new MemoryReplayCache({ now: () => NOW_S + 10_000 });

  it("reuses a verified WIT across requests, re-checking its expiry on every request", async () => {
    const f = fixture();
    const auth = createTokenAuthenticator(config(f, { replay: replay() }));
    const w = await wit(f, { lifetimeSeconds: 600 });
    const at = (s: number) => new Date((NOW_S + s) * 1000);
    const send = async (s: number, jti: string) =>
      codeOf(
        await auth.authenticate(
          request({
            "workload-identity-token": w,
            "workload-proof-token": await wpt(f, w, { jti, now: at(s) }),
          }),
          at(s),
        ),
      );
    expect(await send(0, "a")).toBe("ok");
    expect(await send(300, "b")).toBe("ok");
    // 600 s lifetime + 60 s skew: at +661 s the cached WIT has expired.
    expect(await send(661, "c")).toBe("wit_expired");
    auth.close();
  });

  it("a cached WIT stops verifying when its key is rotated out, and verifies again under a new key set", async () => {
    const f = fixture();
    const source = new WitKeyState("test");
    source.load(formatWitJwks([f.issuer]), "jwks");
    const auth = createTokenAuthenticator(
      config(f, { replay: replay(), trustDomains: { "demo.example": { keys: [source] } } }),
    );
    const w = await wit(f);
    const send = async (jti: string) =>
      codeOf(
        await auth.authenticate(
          request({ "workload-identity-token": w, "workload-proof-token": await wpt(f, w, { jti }) }),
          NOW,
        ),
      );
    expect(await send("1")).toBe("ok");
    source.load(formatWitJwks([newKeyPair("ES256", "next")]), "jwks");
    expect(await send("2")).toBe("wit_kid_unknown");
    // Same key id, but another key: the cached verification must not be reused.
    source.load(formatWitJwks([newKeyPair("ES256", f.issuer.kid)]), "jwks");
    expect(await send("3")).toBe("wit_bad_signature");
    source.load(formatWitJwks([f.issuer]), "jwks");
    expect(await send("4")).toBe("ok");
    auth.close();
  });

  it("works with the cache disabled", async () => {
    const f = fixture();
    const auth = createTokenAuthenticator(config(f, { replay: replay(), witCache: { maxEntries: 0 } }));
    const w = await wit(f);
    for (const jti of ["x", "y"]) {
      const r = await auth.authenticate(
        request({ "workload-identity-token": w, "workload-proof-token": await wpt(f, w, { jti }) }),
        NOW,
      );
      expect(codeOf(r)).toBe("ok");
    }
    auth.close();
  });
});

describe("messages", () => {
  it("quote attacker-chosen values bounded and printable", async () => {
    const f = fixture();
    const alg = `X${"A".repeat(100)}\n<script>`;
    const w = `${b64({ typ: "wit+jwt", alg, kid: "demo-k1" })}.${b64({ sub: SUB, exp: NOW_S + 60 })}.AAAA`;
    const r = await authenticate(f, request({ "workload-identity-token": w, "workload-proof-token": w }));
    expect(r.present && !r.ok && r.code).toBe("wit_alg_not_allowed");
    if (!r.present || r.ok) return;
    expect(r.message).not.toContain("\n");
    expect(r.message).not.toContain("<script>");
    expect(r.message.length).toBeLessThan(80);
  });
});
