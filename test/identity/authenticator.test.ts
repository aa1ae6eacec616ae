import { beforeAll, describe, expect, it } from "vitest";
import { createAuthenticator, staticBundle, staticCrls } from "../../src/identity/index.js";
import type { AuthenticatorConfig } from "../../src/identity/config.js";
import type { AuthResult, CertificateEvidence } from "../../src/identity/types.js";
import { type IssuedCertificate, issueCertificate, issueCrl } from "../../src/pki/issue.js";
import { type Domain, evidence, leaf, makeDomain, sfBinary, sha256, tdConfig, urlPem } from "./helpers.js";

const A = "a.example";
const B = "b.example";
const PROXY_ID = `spiffe://${A}/ns/edge/sa/proxy`;

let a: Domain;
let b: Domain;
let proxy: IssuedCertificate;
let untrustedPeer: IssuedCertificate;
const certs: Record<string, IssuedCertificate> = {};

beforeAll(async () => {
  a = await makeDomain(A);
  b = await makeDomain(B);
  proxy = await leaf(a.int1, PROXY_ID);
  untrustedPeer = await leaf(a.int1, `spiffe://${A}/ns/demo/sa/peer`);
  certs.viaRoot = await leaf(a.root, `spiffe://${A}/via-root`);
  certs.viaOne = await leaf(a.int1, `spiffe://${A}/via-one`);
  certs.viaTwo = await leaf(a.int2, `spiffe://${A}/via-two`);
  certs.wimseB = await leaf(b.int1, `wimse://${B}/workload/billing`);
  certs.bClaimedByA = await leaf(a.int1, `wimse://${B}/workload/impostor`);
  certs.unknownTd = await leaf(a.int1, "spiffe://c.example/x");
  certs.twoUris = await issueCertificate({
    subject: "CN=two",
    issuer: a.int1,
    uris: [`spiffe://${A}/one`, `spiffe://${A}/two`],
  });
  certs.noUri = await issueCertificate({ subject: "CN=none", issuer: a.int1, dns: ["x.example"] });
  certs.percent = await leaf(a.int1, `spiffe://${A}/service/%70ayment`);
  certs.upperTd = await leaf(a.int1, "spiffe://A.example/x");
  certs.serverOnly = await leaf(a.int1, `spiffe://${A}/server-only`, { eku: ["1.3.6.1.5.5.7.3.1"] });
  certs.expired = await leaf(a.int1, `spiffe://${A}/expired`, {
    notBefore: new Date(Date.now() - 10 * 86_400_000),
    notAfter: new Date(Date.now() - 86_400_000),
  });
});

function config(extra: Partial<AuthenticatorConfig> = {}): AuthenticatorConfig {
  return {
    trustDomains: {
      [A]: tdConfig(a, { intermediates: [a.int1, a.int2] }),
      [B]: tdConfig(b, { intermediates: [b.int1] }),
    },
    trustedProxies: [PROXY_ID],
    ...extra,
  };
}

function expectOk(r: AuthResult, id: string, method = "mtls"): void {
  expect(r.ok, JSON.stringify(r)).toBe(true);
  if (r.ok) {
    expect(r.identity.id).toBe(id);
    expect(r.identity.method).toBe(method);
  }
}

function expectFail(r: AuthResult, code: string): void {
  expect(r.ok, JSON.stringify(r)).toBe(false);
  if (!r.ok) expect(r.code).toBe(code);
}

function xfcc(
  c: IssuedCertificate,
  opts: { chain?: IssuedCertificate[]; by?: string; hash?: string } = {},
): string {
  const parts = [`By=${opts.by ?? PROXY_ID}`, `Hash=${opts.hash ?? sha256(c)}`, `Cert="${urlPem(c)}"`];
  if (opts.chain) parts.push(`Chain="${urlPem(c, ...opts.chain)}"`);
  parts.push(`Subject="${c.subject}"`);
  return parts.join(";");
}

describe("authenticator: direct peer (attributes.source.certificate)", () => {
  it("accepts a leaf issued by the root", () => {
    expectOk(createAuthenticator(config()).authenticate(evidence(certs.viaRoot)), `spiffe://${A}/via-root`);
  });
  it("accepts a leaf via one configured intermediate", () => {
    expectOk(createAuthenticator(config()).authenticate(evidence(certs.viaOne)), `spiffe://${A}/via-one`);
  });
  it("accepts a leaf via two configured intermediates and reports the facts", () => {
    const r = createAuthenticator(config()).authenticate(evidence(certs.viaTwo));
    expectOk(r, `spiffe://${A}/via-two`);
    if (r.ok) {
      expect(r.identity).toMatchObject({ scheme: "spiffe", trustDomain: A, path: "/via-two" });
      expect(r.identity.certificate?.chain).toEqual([
        `CN=via-two`,
        `CN=${A} int2`,
        `CN=${A} int1`,
        `CN=${A} root`,
      ]);
      expect(r.identity.certificate?.anchor.sha256).toBe(sha256(a.root));
      expect(r.identity.certificate?.sha256).toBe(sha256(certs.viaTwo));
      expect(r.proxy).toBeUndefined();
    }
  });
  it("accepts a wimse:// identifier of the second trust domain", () => {
    expectOk(
      createAuthenticator(config()).authenticate(evidence(certs.wimseB)),
      `wimse://${B}/workload/billing`,
    );
  });
  for (const keyAlg of ["P-384", "RSA-2048", "Ed25519"] as const) {
    it(`accepts a ${keyAlg} chain (root, intermediate and leaf keys)`, async () => {
      const root = await issueCertificate({ subject: `CN=${keyAlg} root`, ca: {}, keyAlg });
      const int = await issueCertificate({ subject: `CN=${keyAlg} int`, ca: {}, issuer: root, keyAlg });
      const w = await leaf(int, `spiffe://k.example/${keyAlg}`, { keyAlg });
      const auth = createAuthenticator({
        trustDomains: {
          "k.example": { bundles: staticBundle([root.der]), intermediates: staticBundle([int.der]) },
        },
      });
      expectOk(auth.authenticate(evidence(w)), `spiffe://k.example/${keyAlg}`);
    });
  }

  it("needs the intermediates when Envoy forwards the leaf only", () => {
    const cfg = config({ trustDomains: { [A]: tdConfig(a) } });
    expectFail(createAuthenticator(cfg).authenticate(evidence(certs.viaOne)), "x509_unknown_issuer");
  });

  const rejections: [string, () => CertificateEvidence, string][] = [
    ["no certificate", () => ({ headers: {} }), "no_certificate"],
    ["empty certificate", () => ({ sourceCertificate: "", headers: {} }), "no_certificate"],
    ["garbage text", () => ({ sourceCertificate: "hello", headers: {} }), "certificate_malformed"],
    [
      "broken percent-encoding",
      () => ({ sourceCertificate: "%E0%A4%A", headers: {} }),
      "certificate_malformed",
    ],
    [
      "two PEM certificates",
      () => ({ sourceCertificate: urlPem(certs.viaOne, a.int1), headers: {} }),
      "certificate_malformed",
    ],
    [
      "truncated DER",
      () => ({
        sourceCertificate: encodeURIComponent(
          `-----BEGIN CERTIFICATE-----\n${certs.viaOne.der.subarray(0, 100).toString("base64")}\n-----END CERTIFICATE-----\n`,
        ),
        headers: {},
      }),
      "x509_truncated",
    ],
    [
      "trailing bytes after the certificate",
      () => ({
        sourceCertificate: encodeURIComponent(
          `-----BEGIN CERTIFICATE-----\n${Buffer.concat([certs.viaOne.der, Buffer.from([0, 0])]).toString("base64")}\n-----END CERTIFICATE-----\n`,
        ),
        headers: {},
      }),
      "x509_trailing_data",
    ],
    ["two URI SANs", () => evidence(certs.twoUris), "x509_multiple_uri_sans"],
    ["no URI SAN", () => evidence(certs.noUri), "x509_no_uri_san"],
    ["percent-encoded identifier", () => evidence(certs.percent), "id_percent_encoding"],
    ["upper-case trust domain", () => evidence(certs.upperTd), "id_uppercase_trust_domain"],
    ["trust domain not configured", () => evidence(certs.unknownTd), "trust_domain_unknown"],
    ["anchor of another trust domain", () => evidence(certs.bClaimedByA), "x509_unknown_issuer"],
    ["serverAuth-only EKU", () => evidence(certs.serverOnly), "x509_eku_mismatch"],
    ["expired leaf", () => evidence(certs.expired), "x509_expired"],
  ];
  for (const [name, make, code] of rejections) {
    it(`rejects ${name} with ${code}`, () => {
      expectFail(createAuthenticator(config()).authenticate(make()), code);
    });
  }

  it("rejects every identity of a trust domain whose bundle is empty", () => {
    const cfg = config();
    cfg.trustDomains[A] = { bundles: staticBundle([]), intermediates: staticBundle([a.int1.der]) };
    expectFail(createAuthenticator(cfg).authenticate(evidence(certs.viaOne)), "trust_bundle_empty");
  });

  it("treats an origin key as scheme-specific", () => {
    const cfg = config({ trustDomains: { [`wimse://${A}`]: tdConfig(a, { intermediates: [a.int1] }) } });
    expectFail(createAuthenticator(cfg).authenticate(evidence(certs.viaOne)), "trust_domain_unknown");
    const cfg2 = config({ trustDomains: { [`spiffe://${A}`]: tdConfig(a, { intermediates: [a.int1] }) } });
    expectOk(createAuthenticator(cfg2).authenticate(evidence(certs.viaOne)), `spiffe://${A}/via-one`);
  });
});

describe("authenticator: forwarded certificates", () => {
  it("uses the XFCC certificate from a trusted proxy, via one intermediate from Chain", () => {
    const cfg = config({ trustDomains: { [A]: tdConfig(a, { intermediates: [a.int1] }) } });
    const c = certs.viaOne;
    const r = createAuthenticator(cfg).authenticate(
      evidence(proxy, { "x-forwarded-client-cert": xfcc(c, { chain: [a.int1] }) }),
    );
    expectOk(r, `spiffe://${A}/via-one`, "xfcc");
    if (r.ok) expect(r.proxy).toMatchObject({ id: PROXY_ID, method: "mtls" });
  });

  it("via two intermediates taken from the XFCC Chain only", () => {
    // The proxy's own chain needs int1 configured; the client's int2 comes only from Chain.
    const cfg = config({ trustDomains: { [A]: tdConfig(a, { intermediates: [a.int1] }) } });
    const auth = createAuthenticator(cfg);
    expectFail(auth.authenticate(evidence(certs.viaTwo)), "x509_unknown_issuer");
    const r = auth.authenticate(
      evidence(proxy, { "x-forwarded-client-cert": xfcc(certs.viaTwo, { chain: [a.int2, a.int1] }) }),
    );
    expectOk(r, `spiffe://${A}/via-two`, "xfcc");
  });

  it("uses the LAST XFCC element (the one the trusted proxy appended)", () => {
    const header = `${xfcc(certs.viaRoot, { by: `spiffe://${A}/far/away` })},${xfcc(certs.viaOne)}`;
    const r = createAuthenticator(config()).authenticate(
      evidence(proxy, { "x-forwarded-client-cert": header }),
    );
    expectOk(r, `spiffe://${A}/via-one`, "xfcc");
  });

  it("accepts an element without By and without Hash", () => {
    const header = `Cert="${urlPem(certs.viaOne)}"`;
    expectOk(
      createAuthenticator(config()).authenticate(evidence(proxy, { "x-forwarded-client-cert": header })),
      `spiffe://${A}/via-one`,
      "xfcc",
    );
  });

  it("accepts Chain alone (leaf first)", () => {
    const header = `By=${PROXY_ID};Chain="${urlPem(certs.viaTwo, a.int2)}"`;
    expectOk(
      createAuthenticator(config()).authenticate(evidence(proxy, { "x-forwarded-client-cert": header })),
      `spiffe://${A}/via-two`,
      "xfcc",
    );
  });

  it("uses RFC 9440 Client-Cert and Client-Cert-Chain from a trusted proxy", () => {
    const cfg = config({ trustDomains: { [A]: tdConfig(a, { intermediates: [a.int1] }) } });
    const r = createAuthenticator(cfg).authenticate(
      evidence(proxy, {
        "client-cert": sfBinary(certs.viaTwo),
        "client-cert-chain": `${sfBinary(a.int2)}, ${sfBinary(a.int1)}`,
      }),
    );
    expectOk(r, `spiffe://${A}/via-two`, "client-cert");
    if (r.ok) expect(r.proxy?.id).toBe(PROXY_ID);
  });

  it("denies forwarded headers from an untrusted peer by default, returning the peer", () => {
    const r = createAuthenticator(config()).authenticate(
      evidence(untrustedPeer, { "x-forwarded-client-cert": xfcc(certs.viaOne) }),
    );
    expectFail(r, "xfcc_untrusted_peer");
    if (!r.ok) expect(r.proxy?.id).toBe(`spiffe://${A}/ns/demo/sa/peer`);
    expectFail(
      createAuthenticator(config()).authenticate(
        evidence(untrustedPeer, { "client-cert": sfBinary(certs.viaOne) }),
      ),
      "client_cert_untrusted_peer",
    );
  });

  it("ignores forwarded headers from an untrusted peer when configured to", () => {
    const r = createAuthenticator(config({ forwardedCertFromUntrusted: "ignore" })).authenticate(
      evidence(untrustedPeer, { "x-forwarded-client-cert": xfcc(certs.viaOne) }),
    );
    expectOk(r, `spiffe://${A}/ns/demo/sa/peer`, "mtls");
    if (r.ok) expect(r.proxy).toBeUndefined();
  });

  it("matches trusted proxies by verified identifier, not by By or Subject", () => {
    // An untrusted peer claiming to be the proxy in By is still untrusted.
    expectFail(
      createAuthenticator(config()).authenticate(
        evidence(untrustedPeer, { "x-forwarded-client-cert": xfcc(certs.viaOne, { by: PROXY_ID }) }),
      ),
      "xfcc_untrusted_peer",
    );
  });

  const forwardedRejections: [string, () => Record<string, string>, string][] = [
    [
      "Hash mismatch",
      () => ({ "x-forwarded-client-cert": xfcc(certs.viaOne, { hash: sha256(certs.viaTwo) }) }),
      "xfcc_hash_mismatch",
    ],
    [
      "By naming another proxy",
      () => ({ "x-forwarded-client-cert": xfcc(certs.viaOne, { by: `spiffe://${A}/other` }) }),
      "xfcc_by_mismatch",
    ],
    [
      "URI that is not the certificate's",
      () => ({ "x-forwarded-client-cert": `${xfcc(certs.viaOne)};URI=spiffe://${A}/admin` }),
      "xfcc_uri_mismatch",
    ],
    [
      "Chain whose first certificate is not Cert",
      () => ({
        "x-forwarded-client-cert": `Cert="${urlPem(certs.viaOne)}";Chain="${urlPem(certs.viaTwo, a.int2)}"`,
      }),
      "xfcc_chain_mismatch",
    ],
    [
      "no Cert nor Chain",
      () => ({ "x-forwarded-client-cert": `By=${PROXY_ID};URI=spiffe://${A}/x` }),
      "xfcc_no_certificate",
    ],
    [
      "unbalanced quote",
      () => ({ "x-forwarded-client-cert": `Cert="${urlPem(certs.viaOne)}` }),
      "xfcc_unbalanced_quote",
    ],
    ["garbage Cert", () => ({ "x-forwarded-client-cert": "Cert=garbage" }), "xfcc_cert_malformed"],
    ["garbage Chain", () => ({ "x-forwarded-client-cert": "Chain=%ZZ" }), "xfcc_chain_malformed"],
    [
      "XFCC and Client-Cert together",
      () => ({ "x-forwarded-client-cert": xfcc(certs.viaOne), "client-cert": sfBinary(certs.viaOne) }),
      "forwarded_cert_ambiguous",
    ],
    [
      "Client-Cert not sf-binary",
      () => ({ "client-cert": certs.viaOne.der.toString("base64") }),
      "client_cert_malformed",
    ],
    ["Client-Cert-Chain alone", () => ({ "client-cert-chain": sfBinary(a.int1) }), "client_cert_malformed"],
    [
      "forwarded certificate of an unknown trust domain",
      () => ({ "client-cert": sfBinary(certs.unknownTd) }),
      "trust_domain_unknown",
    ],
    ["forwarded expired certificate", () => ({ "client-cert": sfBinary(certs.expired) }), "x509_expired"],
    [
      "forwarded certificate chaining to another domain's anchor",
      () => ({ "x-forwarded-client-cert": xfcc(certs.bClaimedByA, { chain: [a.int1] }) }),
      "x509_unknown_issuer",
    ],
    [
      "too many XFCC elements",
      () => ({ "x-forwarded-client-cert": Array.from({ length: 2000 }, () => xfcc(certs.viaOne)).join(",") }),
      "xfcc_too_large",
    ],
  ];
  for (const [name, headers, code] of forwardedRejections) {
    it(`rejects ${name} with ${code} and reports the proxy`, () => {
      const r = createAuthenticator(config()).authenticate(evidence(proxy, headers()));
      expectFail(r, code);
      if (!r.ok) expect(r.proxy?.id).toBe(PROXY_ID);
    });
  }

  it("rejects an absurdly long XFCC Chain before any path building", () => {
    const chain = Array.from({ length: 40 }, () => a.int1);
    const r = createAuthenticator(config()).authenticate(
      evidence(proxy, { "x-forwarded-client-cert": xfcc(certs.viaOne, { chain }) }),
    );
    expectFail(r, "xfcc_chain_too_long");
  });

  it("never throws and never accepts on hostile evidence", () => {
    const auth = createAuthenticator(config());
    const hostile: unknown[] = [
      {},
      { headers: null },
      { sourceCertificate: 42, headers: {} },
      { sourceCertificate: "%", headers: {} },
      { sourceCertificate: "-----BEGIN CERTIFICATE-----", headers: {} },
      {
        sourceCertificate: encodeURIComponent(
          "-----BEGIN CERTIFICATE-----\n\u0000\n-----END CERTIFICATE-----",
        ),
        headers: {},
      },
      { sourceCertificate: urlPem(proxy), headers: { "x-forwarded-client-cert": "\u0000".repeat(10) } },
      { sourceCertificate: urlPem(proxy), headers: { "client-cert": ":" } },
    ];
    for (const e of hostile) {
      const r = auth.authenticate(e as CertificateEvidence);
      expect(r.ok, JSON.stringify(e)).toBe(false);
      if (!r.ok) expect(r.code).toMatch(/^[a-z0-9_]+$/);
    }
  });

  it("does not confuse an empty forwarded header with an absent one (memoised decoding)", () => {
    const auth = createAuthenticator(config());
    const cc = { "client-cert": sfBinary(certs.viaOne) };
    expectOk(auth.authenticate(evidence(proxy, cc)), `spiffe://${A}/via-one`, "client-cert");
    expectFail(
      auth.authenticate(evidence(proxy, { ...cc, "x-forwarded-client-cert": "" })),
      "forwarded_cert_ambiguous",
    );
    expectOk(auth.authenticate(evidence(proxy, cc)), `spiffe://${A}/via-one`, "client-cert");
  });

  it("never serves a memoised peer certificate for another text with the same tail", () => {
    const auth = createAuthenticator(config());
    const text = urlPem(certs.viaOne);
    const tail = text.slice(-200);
    const other = urlPem(certs.viaTwo);
    // The same last 200 characters, another certificate (or none) before them.
    const forged = [`${other.slice(0, other.length - 200)}${tail}`, `x${text.slice(1)}`, `AAAA${tail}`];
    for (let round = 0; round < 2; round++) {
      expectOk(auth.authenticate(evidence(certs.viaOne)), `spiffe://${A}/via-one`);
      for (const f of forged) {
        const r = auth.authenticate({ sourceCertificate: f, headers: {} });
        expect(r.ok, JSON.stringify(r)).toBe(false);
      }
      expectOk(auth.authenticate({ sourceCertificate: other, headers: {} }), `spiffe://${A}/via-two`);
    }
  });

  it("keeps XFCC alone and XFCC with Client-Cert apart in the memo, both orders", () => {
    const header = xfcc(certs.viaOne);
    const both = { "x-forwarded-client-cert": header, "client-cert": sfBinary(certs.viaOne) };
    const alone = { "x-forwarded-client-cert": header };
    for (const order of [
      [alone, both],
      [both, alone],
    ]) {
      const auth = createAuthenticator(config());
      for (let round = 0; round < 2; round++) {
        for (const headers of order) {
          const r = auth.authenticate(evidence(proxy, headers));
          if (headers === alone) expectOk(r, `spiffe://${A}/via-one`, "xfcc");
          else expectFail(r, "forwarded_cert_ambiguous");
        }
      }
    }
  });

  it("rejects a trusted proxy whose own certificate fails, before reading headers", () => {
    const r = createAuthenticator(config()).authenticate({
      sourceCertificate: "",
      headers: { "x-forwarded-client-cert": xfcc(certs.viaOne) },
    });
    expectFail(r, "no_certificate");
  });

  it("rejects an invalid trusted-proxy identifier in the configuration", () => {
    expect(() => createAuthenticator(config({ trustedProxies: ["spiffe://A/x"] }))).toThrow(/trustedProxies/);
  });
});

describe("authenticator: revocation", () => {
  let revoked: IssuedCertificate;
  let good: IssuedCertificate;
  let revokedInt: IssuedCertificate;
  let underRevokedInt: IssuedCertificate;
  beforeAll(async () => {
    revoked = await leaf(a.int1, `spiffe://${A}/revoked`);
    good = await leaf(a.int1, `spiffe://${A}/good`);
    revokedInt = await issueCertificate({ subject: `CN=${A} revoked int`, ca: {}, issuer: a.root });
    underRevokedInt = await leaf(revokedInt, `spiffe://${A}/under-revoked`);
  });

  async function withCrls(pem: string, extra: Partial<AuthenticatorConfig> = {}) {
    const bundles = staticBundle([a.root.der]);
    const intermediates = staticBundle([a.int1.der, revokedInt.der]);
    const crls = await staticCrls(pem, [bundles, intermediates]);
    return createAuthenticator(config({ trustDomains: { [A]: { bundles, intermediates, crls } }, ...extra }));
  }

  it("denies a revoked leaf and accepts its sibling", async () => {
    const crl = await issueCrl({ issuer: a.int1, revoked: [{ serial: revoked.cert.serialNumber }] });
    const auth = await withCrls(crl.pem);
    expectFail(auth.authenticate(evidence(revoked)), "x509_revoked");
    expectOk(auth.authenticate(evidence(good)), `spiffe://${A}/good`);
  });

  it("denies a certificate under a revoked intermediate", async () => {
    const crl = await issueCrl({ issuer: a.root, revoked: [{ serial: revokedInt.cert.serialNumber }] });
    const auth = await withCrls(crl.pem);
    expectFail(auth.authenticate(evidence(underRevokedInt)), "x509_revoked");
  });

  it("denies with a stale CRL by default and accepts when configured to allow", async () => {
    const crl = await issueCrl({
      issuer: a.int1,
      thisUpdate: new Date(Date.now() - 10 * 86_400_000),
      nextUpdate: new Date(Date.now() - 86_400_000),
    });
    expectFail((await withCrls(crl.pem)).authenticate(evidence(good)), "x509_crl_stale");
    expectOk(
      (await withCrls(crl.pem, { staleCrl: "allow" })).authenticate(evidence(good)),
      `spiffe://${A}/good`,
    );
  });

  it("never accepts a CRL signed by the wrong issuer", async () => {
    const forged = await issueCrl({ issuer: b.int1 });
    // Same issuer name as a.int1, different key: the CRL source refuses it.
    const impostor = await issueCertificate({ subject: `CN=${A} int1`, ca: {} });
    const bad = await issueCrl({ issuer: impostor, revoked: [{ serial: good.cert.serialNumber }] });
    const bundles = staticBundle([a.root.der]);
    const intermediates = staticBundle([a.int1.der]);
    const s1 = await staticCrls(forged.pem, [bundles, intermediates]);
    expect(s1.current()).toBeUndefined();
    await expect(s1.ready()).rejects.toMatchObject({ code: "crl_issuer_unknown" });
    const s2 = await staticCrls(bad.pem, [bundles, intermediates]);
    await expect(s2.ready()).rejects.toMatchObject({ code: "crl_bad_signature" });
    // A domain whose CRL source never loaded denies rather than skipping revocation.
    const auth = createAuthenticator(config({ trustDomains: { [A]: { bundles, intermediates, crls: s2 } } }));
    expectFail(auth.authenticate(evidence(good)), "crl_unavailable");
  });
});

describe("authenticator: verified-chain cache", () => {
  it("counts a miss then hits, and never throws", () => {
    const auth = createAuthenticator(config());
    expectOk(auth.authenticate(evidence(certs.viaOne)), `spiffe://${A}/via-one`);
    expectOk(auth.authenticate(evidence(certs.viaOne)), `spiffe://${A}/via-one`);
    expectOk(auth.authenticate(evidence(certs.viaOne)), `spiffe://${A}/via-one`);
    expect(auth.cacheStats()).toMatchObject({ hits: 2, misses: 1, size: 1 });
  });

  it("keys on the presented certificates (a different Chain is a different entry)", () => {
    const auth = createAuthenticator(config());
    auth.authenticate(evidence(proxy, { "x-forwarded-client-cert": xfcc(certs.viaTwo) }));
    auth.authenticate(
      evidence(proxy, { "x-forwarded-client-cert": xfcc(certs.viaTwo, { chain: [a.int2] }) }),
    );
    // proxy (miss, then hit) + two distinct forwarded entries.
    expect(auth.cacheStats()).toMatchObject({ hits: 1, misses: 3, size: 3 });
  });

  it("does not let an entry outlive the leaf's notAfter", async () => {
    const notAfter = new Date(Date.now() + 3_600_000);
    const shortLived = await leaf(a.int1, `spiffe://${A}/short`, { notAfter });
    const auth = createAuthenticator(config());
    expectOk(auth.authenticate(evidence(shortLived)), `spiffe://${A}/short`);
    expectOk(
      auth.authenticate(evidence(shortLived), new Date(notAfter.getTime() - 1000)),
      `spiffe://${A}/short`,
    );
    expect(auth.cacheStats().hits).toBe(1);
    expectFail(auth.authenticate(evidence(shortLived), new Date(notAfter.getTime() + 1000)), "x509_expired");
    expect(auth.cacheStats()).toMatchObject({ hits: 1, expired: 1 });
  });

  it("does not let an entry outlive the CRL's nextUpdate", async () => {
    const nextUpdate = new Date(Date.now() + 3_600_000);
    const crl = await issueCrl({ issuer: a.int1, nextUpdate });
    const bundles = staticBundle([a.root.der]);
    const intermediates = staticBundle([a.int1.der]);
    const crls = await staticCrls(crl.pem, [bundles, intermediates]);
    const auth = createAuthenticator(config({ trustDomains: { [A]: { bundles, intermediates, crls } } }));
    expectOk(auth.authenticate(evidence(certs.viaOne)), `spiffe://${A}/via-one`);
    expectFail(
      auth.authenticate(evidence(certs.viaOne), new Date(nextUpdate.getTime() + 1000)),
      "x509_crl_stale",
    );
  });

  it("is bounded in entries", () => {
    const auth = createAuthenticator(config({ cache: { maxEntries: 2 } }));
    for (const c of [certs.viaRoot, certs.viaOne, certs.viaTwo]) auth.authenticate(evidence(c));
    expect(auth.cacheStats()).toMatchObject({ size: 2, evicted: 1 });
    auth.authenticate(evidence(certs.viaRoot));
    expect(auth.cacheStats().hits).toBe(0);
  });

  it("can be disabled", () => {
    const auth = createAuthenticator(config({ cache: { maxEntries: 0 } }));
    auth.authenticate(evidence(certs.viaOne));
    auth.authenticate(evidence(certs.viaOne));
    expect(auth.cacheStats()).toMatchObject({ hits: 0, size: 0 });
  });
});
