/**
 * Table-driven path validation tests. Every certificate is made at test time (pki.ts). Each row
 * expects either a valid path or one exact reason code.
 */
import { generateKeyPairSync } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import {
  CertPool,
  certificateFacts,
  type ParsedCert,
  type VerifyPathRequest,
  verifyPath,
} from "../../src/identity/x509/index.js";
import {
  EKU,
  type Issued,
  KU,
  makeCa,
  makeCrl,
  makeLeaf,
  makeRoot,
  nameConstraints,
  unknownCritical,
} from "./pki.js";

const DAY = 86_400_000;
const now = new Date();

let root: Issued;
let ica1: Issued;
let ica2: Issued;
let leafViaRoot: Issued;
let leafViaIca1: Issued;
let leafViaIca2: Issued;

beforeAll(async () => {
  root = await makeRoot({ subject: "CN=Prod Root, O=prod.example" });
  ica1 = await makeCa(root, { subject: "CN=Prod ICA 1" });
  ica2 = await makeCa(ica1, { subject: "CN=Prod ICA 2" });
  leafViaRoot = await makeLeaf(root);
  leafViaIca1 = await makeLeaf(ica1);
  leafViaIca2 = await makeLeaf(ica2);
}, 60_000);

function req(
  leaf: Issued,
  intermediates: Issued[],
  anchors: Issued[],
  extra: Partial<VerifyPathRequest> = {},
): VerifyPathRequest {
  return {
    leaf: leaf.parsed(),
    intermediates: intermediates.map((c) => c.parsed()),
    anchors: anchors.map((c) => c.parsed()),
    time: now,
    ...extra,
  };
}

function subjects(chain: readonly ParsedCert[]): string[] {
  return chain.map((c) => c.subject.text);
}

describe("verifyPath accepts valid paths", () => {
  it("leaf issued by the root", () => {
    const r = verifyPath(req(leafViaRoot, [], [root]));
    expect(r.ok).toBe(true);
    if (r.ok) expect(subjects(r.chain)).toEqual([leafViaRoot.name, "CN=Prod Root, O=prod.example"]);
  });

  it("leaf via one intermediate", () => {
    const r = verifyPath(req(leafViaIca1, [ica1], [root]));
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.chain.length).toBe(3);
  });

  it("leaf via two intermediates given in any order, with noise", async () => {
    const unrelated = await makeCa(await makeRoot());
    const r = verifyPath(req(leafViaIca2, [unrelated, ica1, ica2], [root]));
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(subjects(r.chain)).toEqual([
        leafViaIca2.name,
        "CN=Prod ICA 2",
        "CN=Prod ICA 1",
        "CN=Prod Root, O=prod.example",
      ]);
      expect(r.anchor.sha256).toBe(root.parsed().sha256);
      const facts = certificateFacts(r.chain);
      expect(facts.chain.length).toBe(4);
      expect(facts.anchor.sha256).toBe(root.parsed().sha256);
      expect(facts.sha256).toBe(leafViaIca2.parsed().sha256);
    }
  });

  it("intermediates as a prebuilt pool (configured intermediates)", () => {
    const pool = new CertPool([ica1.parsed(), ica2.parsed()]);
    const r = verifyPath({
      ...req(leafViaIca2, [], [root]),
      intermediates: pool,
      anchors: new CertPool([root.parsed()]),
    });
    expect(r.ok).toBe(true);
  });

  it("configured intermediates do not count against the presented limit", async () => {
    const others = await Promise.all(Array.from({ length: 40 }, () => makeCa(root)));
    const r = verifyPath({
      ...req(leafViaIca2, [ica2], [root]),
      configuredIntermediates: [...others, ica1].map((c) => c.parsed()),
    });
    expect(r.ok).toBe(true);
  }, 60_000);

  it.each(["RSA", "RSA-PSS", "P-384", "Ed25519"] as const)(
    "%s keys throughout",
    async (alg) => {
      const r0 = await makeRoot({ alg });
      const i1 = await makeCa(r0, { alg });
      const leaf = await makeLeaf(i1, { alg });
      const r = verifyPath(req(leaf, [i1], [r0]));
      expect(r).toMatchObject({ ok: true });
    },
    60_000,
  );

  it("chooses the right issuer among several with the same name", async () => {
    const impostor = await makeRoot({ subject: "CN=Prod ICA 1" });
    const r = verifyPath(req(leafViaIca1, [impostor, ica1], [root]));
    expect(r.ok).toBe(true);
  });

  it("EKU modes accept what they should", async () => {
    const both = await makeLeaf(root, { eku: [EKU.clientAuth, EKU.serverAuth] });
    expect(verifyPath(req(both, [], [root], { eku: "spiffe-strict" })).ok).toBe(true);
    expect(verifyPath(req(both, [], [root], { eku: "clientAuth-required" })).ok).toBe(true);
    expect(verifyPath(req(leafViaRoot, [], [root], { eku: "spiffe-strict" })).ok).toBe(true);
  });

  it("name constraints that permit the trust domain", async () => {
    const nc = await makeCa(root, {
      extensions: [nameConstraints([{ uri: "prod.example" }, { dns: "prod.example" }])],
    });
    const leaf = await makeLeaf(nc, { dns: ["api.prod.example"] });
    expect(verifyPath(req(leaf, [nc], [root])).ok).toBe(true);
  });

  it("a CRL that does not list the path's certificates", async () => {
    const crls = [await makeCrl(root, { revoked: ["7777"] }), await makeCrl(ica1)];
    expect(
      verifyPath(req(leafViaIca1, [ica1], [root], { revocation: { crls, missingCrl: "deny" } })).ok,
    ).toBe(true);
  });
});

type Row = [string, () => Promise<VerifyPathRequest>, string];

const rejections: Row[] = [
  [
    "expired leaf",
    async () => req(await makeLeaf(root, { notAfter: new Date(Date.now() - DAY) }), [], [root]),
    "x509_expired",
  ],
  [
    "leaf not yet valid",
    async () => req(await makeLeaf(root, { notBefore: new Date(Date.now() + DAY) }), [], [root]),
    "x509_not_yet_valid",
  ],
  [
    "expired intermediate",
    async () => {
      const i = await makeCa(root, { notAfter: new Date(Date.now() - DAY) });
      return req(await makeLeaf(i), [i], [root]);
    },
    "x509_expired",
  ],
  [
    "expired root",
    async () => req(leafViaRoot, [], [root], { time: new Date(Date.now() + 60 * DAY) }),
    "x509_expired",
  ],
  ["unknown issuer", async () => req(leafViaIca1, [], [root]), "x509_unknown_issuer"],
  ["anchor of another PKI", async () => req(leafViaRoot, [], [await makeRoot()]), "x509_unknown_issuer"],
  [
    "same-name anchor with another key (tampered trust)",
    async () => req(leafViaRoot, [], [await makeRoot({ subject: "CN=Prod Root, O=prod.example" })]),
    "x509_bad_signature",
  ],
  [
    "leaf cA=true",
    async () =>
      req(await makeLeaf(root, { ca: true, keyUsage: KU.keyCertSign | KU.digitalSignature }), [], [root]),
    "x509_leaf_is_ca",
  ],
  [
    "leaf keyCertSign",
    async () => req(await makeLeaf(root, { keyUsage: KU.keyCertSign | KU.digitalSignature }), [], [root]),
    "x509_leaf_keycertsign",
  ],
  [
    "leaf cRLSign",
    async () => req(await makeLeaf(root, { keyUsage: KU.cRLSign | KU.digitalSignature }), [], [root]),
    "x509_leaf_keyusage",
  ],
  [
    "serverAuth-only EKU in clientAuth mode",
    async () => req(await makeLeaf(root, { eku: [EKU.serverAuth] }), [], [root]),
    "x509_eku_mismatch",
  ],
  [
    "no EKU when clientAuth is required",
    async () => req(leafViaRoot, [], [root], { eku: "clientAuth-required" }),
    "x509_eku_mismatch",
  ],
  [
    "clientAuth only under spiffe-strict",
    async () => req(await makeLeaf(root, { eku: [EKU.clientAuth] }), [], [root], { eku: "spiffe-strict" }),
    "x509_eku_mismatch",
  ],
  [
    "no keyUsage under spiffe-strict",
    async () => req(await makeLeaf(root, { keyUsage: null }), [], [root], { eku: "spiffe-strict" }),
    "x509_leaf_keyusage",
  ],
  [
    "keyUsage without digitalSignature under spiffe-strict",
    async () =>
      req(await makeLeaf(root, { keyUsage: KU.keyEncipherment }), [], [root], { eku: "spiffe-strict" }),
    "x509_leaf_keyusage",
  ],
  [
    "anyExtendedKeyUsage in the leaf",
    async () => req(await makeLeaf(root, { eku: ["2.5.29.37.0"] }), [], [root]),
    "x509_eku_mismatch",
  ],
  [
    "issuer without cA",
    async () => {
      const i = await makeCa(root, { ca: false, keyUsage: KU.keyCertSign });
      return req(await makeLeaf(i), [i], [root]);
    },
    "x509_not_ca",
  ],
  [
    "issuer without basicConstraints",
    async () => {
      const i = await makeCa(root, { noBasicConstraints: true });
      return req(await makeLeaf(i), [i], [root]);
    },
    "x509_not_ca",
  ],
  [
    "issuer without keyCertSign",
    async () => {
      const i = await makeCa(root, { keyUsage: KU.cRLSign });
      return req(await makeLeaf(i), [i], [root]);
    },
    "x509_keyusage_keycertsign_missing",
  ],
  [
    "pathLenConstraint exceeded",
    async () => {
      const i1 = await makeCa(root, { pathLen: 0 });
      const i2 = await makeCa(i1);
      return req(await makeLeaf(i2), [i1, i2], [root]);
    },
    "x509_pathlen_exceeded",
  ],
  [
    "URI name constraint violation (other trust domain)",
    async () => {
      const i = await makeCa(root, { extensions: [nameConstraints([{ uri: "dev.example" }])] });
      return req(await makeLeaf(i), [i], [root]);
    },
    "x509_name_constraints",
  ],
  [
    "URI without a host under an excluded URI constraint",
    async () => {
      const i = await makeCa(root, { extensions: [nameConstraints([], [{ uri: "evil.example" }])] });
      return req(await makeLeaf(i, { uris: ["urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66"] }), [i], [root]);
    },
    "x509_name_constraints",
  ],
  [
    "excluded URI host (trust domain)",
    async () => {
      const i = await makeCa(root, { extensions: [nameConstraints([], [{ uri: ".example" }])] });
      return req(await makeLeaf(i), [i], [root]);
    },
    "x509_name_constraints",
  ],
  [
    "excluded DNS name",
    async () => {
      const i = await makeCa(root, { extensions: [nameConstraints([], [{ dns: "evil.example" }])] });
      return req(await makeLeaf(i, { dns: ["www.evil.example"] }), [i], [root]);
    },
    "x509_name_constraints",
  ],
  [
    "IP name constraint violation",
    async () => {
      const i = await makeCa(root, { extensions: [nameConstraints([{ ip: [10, 0, 0, 0, 255, 0, 0, 0] }])] });
      const leaf = await makeLeaf(i);
      return req(leaf, [i], [root]);
    },
    "ok-no-ip-san",
  ],
  [
    "unsupported name constraint form (otherName)",
    async () => {
      const i = await makeCa(root, { extensions: [nameConstraints([{ otherNameOid: [0x2b, 0x06, 0x01] }])] });
      return req(await makeLeaf(i), [i], [root]);
    },
    "x509_unsupported_name_constraint",
  ],
  [
    "unknown critical extension in the leaf",
    async () => req(await makeLeaf(root, { extensions: [unknownCritical()] }), [], [root]),
    "x509_unknown_critical_extension",
  ],
  [
    "unknown critical extension in an intermediate",
    async () => {
      const i = await makeCa(root, { extensions: [unknownCritical()] });
      return req(await makeLeaf(i), [i], [root]);
    },
    "x509_unknown_critical_extension",
  ],
  [
    "tampered leaf signature",
    async () => {
      const der = Uint8Array.from(leafViaRoot.der);
      der[der.length - 3] = (der[der.length - 3] as number) ^ 0x01;
      const { parseDer } = await import("../../src/identity/x509/index.js");
      return { ...req(leafViaRoot, [], [root]), leaf: parseDer(der) };
    },
    "x509_bad_signature",
  ],
  [
    "tampered leaf body",
    async () => {
      const der = Uint8Array.from(leafViaRoot.der);
      const at = Buffer.from(der).indexOf(Buffer.from("prod.example/ns/a"));
      der[at] = "q".charCodeAt(0);
      const { parseDer } = await import("../../src/identity/x509/index.js");
      return { ...req(leafViaRoot, [], [root]), leaf: parseDer(der) };
    },
    "x509_bad_signature",
  ],
  [
    "SHA-1 signature on the leaf",
    async () => req(await makeLeaf(root, { signHash: "SHA-1" }), [], [root]),
    "x509_weak_algorithm",
  ],
  [
    "DSA leaf key",
    async () => {
      const { publicKey } = generateKeyPairSync("dsa", { modulusLength: 2048, divisorLength: 256 });
      return req(
        await makeLeaf(root, { spki: publicKey.export({ type: "spki", format: "der" }) }),
        [],
        [root],
      );
    },
    "x509_unsupported_algorithm",
  ],
  [
    "secp256k1 leaf key",
    async () => {
      const { publicKey } = generateKeyPairSync("ec", { namedCurve: "secp256k1" });
      return req(
        await makeLeaf(root, { spki: publicKey.export({ type: "spki", format: "der" }) }),
        [],
        [root],
      );
    },
    "x509_unsupported_algorithm",
  ],
  [
    "RSA-1024 leaf key",
    async () => req(await makeLeaf(root, { alg: "RSA-1024" }), [], [root]),
    "x509_weak_key",
  ],
  [
    "leaf without authorityKeyIdentifier",
    async () => req(await makeLeaf(root, { noKeyIds: true }), [], [root]),
    "x509_invalid_extension",
  ],
  [
    "revoked leaf",
    async () =>
      req(leafViaIca1, [ica1], [root], {
        revocation: { crls: [await makeCrl(ica1, { revoked: [leafViaIca1.serial] })] },
      }),
    "x509_revoked",
  ],
  [
    "revoked intermediate",
    async () =>
      req(leafViaIca1, [ica1], [root], {
        revocation: { crls: [await makeCrl(ica1), await makeCrl(root, { revoked: [ica1.serial] })] },
      }),
    "x509_revoked",
  ],
  [
    "stale CRL",
    async () =>
      req(leafViaIca1, [ica1], [root], {
        revocation: {
          crls: [
            await makeCrl(ica1, {
              thisUpdate: new Date(Date.now() - 3 * DAY),
              nextUpdate: new Date(Date.now() - DAY),
            }),
          ],
        },
      }),
    "x509_crl_stale",
  ],
  [
    "CRL not yet valid",
    async () =>
      req(leafViaIca1, [ica1], [root], {
        revocation: {
          crls: [
            await makeCrl(ica1, {
              thisUpdate: new Date(Date.now() + DAY),
              nextUpdate: new Date(Date.now() + 3 * DAY),
            }),
          ],
        },
      }),
    "x509_crl_not_yet_valid",
  ],
  [
    "CRL with the issuer's name but signed by another key",
    async () =>
      req(leafViaIca1, [ica1], [root], { revocation: { crls: [await makeCrl(ica1, { signWith: ica2 })] } }),
    "x509_crl_bad_signature",
  ],
  [
    "CRL from another issuer only, missing CRLs denied",
    async () =>
      req(leafViaIca1, [ica1], [root], { revocation: { crls: [await makeCrl(ica2)], missingCrl: "deny" } }),
    "x509_crl_missing",
  ],
  [
    "absurdly many presented intermediates",
    async () =>
      req(
        leafViaIca1,
        Array.from({ length: 40 }, () => ica1),
        [root],
      ),
    "x509_chain_too_long",
  ],
  [
    "a path longer than maxDepth",
    async () => {
      const chain: Issued[] = [];
      let top = root;
      for (let i = 0; i < 4; i++) {
        top = await makeCa(top);
        chain.push(top);
      }
      return req(await makeLeaf(top), chain, [root], { maxDepth: 3 });
    },
    "x509_chain_too_long",
  ],
  [
    "two intermediates that sign each other (cycle)",
    async () => {
      const x = await makeRoot({ subject: "CN=Loop X" });
      const y = await makeRoot({ subject: "CN=Loop Y" });
      const xByY = await makeCa(y, { subject: "CN=Loop X", keys: x.keys });
      const yByX = await makeCa(x, { subject: "CN=Loop Y", keys: y.keys });
      return req(await makeLeaf(x), [xByY, yByX], [root]);
    },
    "x509_unknown_issuer",
  ],
];

describe("verifyPath rejects with the exact code", () => {
  it.each(rejections.map(([name, build, code]) => ({ name, build, code })))(
    "$name -> $code",
    async ({ build, code }) => {
      const r = verifyPath(await build());
      if (code === "ok-no-ip-san") {
        // An iPAddress-only constraint does not constrain URI or DNS names (RFC 5280 §4.2.1.10).
        expect(r.ok).toBe(true);
        return;
      }
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.code).toBe(code);
    },
    60_000,
  );

  it("validity bounds are inclusive and exact to the millisecond", async () => {
    // A leaf whose validity lies strictly inside the root's, so that only the leaf's bounds are
    // probed (certificates made a moment apart can otherwise share or cross a second boundary).
    const r = root.parsed();
    const inner = await makeLeaf(root, {
      notBefore: new Date(r.notBefore.getTime() + 3_600_000),
      notAfter: new Date(r.notAfter.getTime() - 3_600_000),
    });
    const leaf = inner.parsed();
    expect(verifyPath(req(inner, [], [root], { time: leaf.notAfter })).ok).toBe(true);
    expect(verifyPath(req(inner, [], [root], { time: leaf.notBefore })).ok).toBe(true);
    const after = new Date(leaf.notAfter.getTime() + 1000);
    expect(verifyPath(req(inner, [], [root], { time: after }))).toMatchObject({
      ok: false,
      code: "x509_expired",
    });
    const before = new Date(leaf.notBefore.getTime() - 1000);
    expect(verifyPath(req(inner, [], [root], { time: before }))).toMatchObject({
      ok: false,
      code: "x509_not_yet_valid",
    });
  });

  it("odd inputs give a typed answer, never an exception", () => {
    expect(verifyPath(req(leafViaRoot, [], []))).toMatchObject({ ok: false, code: "x509_unknown_issuer" });
    expect(verifyPath(req(leafViaIca1, [leafViaIca1, leafViaRoot], [root]))).toMatchObject({ ok: false });
    expect(verifyPath(req(leafViaRoot, [], [root], { time: new Date(Number.NaN) }))).toMatchObject({
      ok: false,
    });
    // A CA certificate presented as the leaf under the WIMSE profile.
    expect(verifyPath(req(ica1, [], [root]))).toMatchObject({ ok: false, code: "x509_leaf_is_ca" });
    expect(verifyPath(req(ica1, [], [root], { allowCaLeaf: true })).ok).toBe(true);
  });

  it("out-of-range options from configuration fail closed", async () => {
    const bad = <T>(v: unknown) => v as T;
    expect(verifyPath(req(leafViaRoot, [], [root], { eku: bad("clientauth") }))).toMatchObject({
      ok: false,
      code: "x509_eku_mismatch",
    });
    expect(verifyPath(req(leafViaRoot, [], [root], { maxDepth: Number.NaN }))).toMatchObject({
      ok: false,
      code: "x509_malformed",
    });
    expect(verifyPath(req(leafViaRoot, [], [root], { maxDepth: -1 }))).toMatchObject({
      ok: false,
      code: "x509_malformed",
    });
    expect(verifyPath(req(ica1, [], [root], { allowCaLeaf: bad("yes") }))).toMatchObject({
      ok: false,
      code: "x509_leaf_is_ca",
    });
    const stale = await makeCrl(ica1, {
      thisUpdate: new Date(Date.now() - 3 * DAY),
      nextUpdate: new Date(Date.now() - DAY),
    });
    expect(
      verifyPath(req(leafViaIca1, [ica1], [root], { revocation: { crls: [stale], staleCrl: bad("alow") } })),
    ).toMatchObject({
      ok: false,
      code: "x509_crl_stale",
    });
    expect(
      verifyPath(req(leafViaIca1, [ica1], [root], { revocation: { crls: [], missingCrl: bad("Deny") } })),
    ).toMatchObject({
      ok: false,
      code: "x509_crl_missing",
    });
  });

  it("finds the one real issuer among many same-name impostors", async () => {
    const impostors = await Promise.all(
      Array.from({ length: 30 }, () => makeCa(root, { subject: "CN=Prod ICA 1" })),
    );
    const r = verifyPath(req(leafViaIca1, [...impostors, ica1], [root]));
    expect(r.ok).toBe(true);
  }, 60_000);

  it("gives up with x509_path_search_exhausted when the search budget runs out", () => {
    // leaf -> ICA 2 -> ICA 1 -> root needs three candidate checks.
    expect(verifyPath(req(leafViaIca2, [ica1, ica2], [root], { maxSignatureChecks: 3 })).ok).toBe(true);
    const r = verifyPath(req(leafViaIca2, [ica1, ica2], [root], { maxSignatureChecks: 2 }));
    expect(r).toMatchObject({ ok: false, code: "x509_path_search_exhausted" });
  });

  it("a stale CRL is accepted when configured to allow it, and revocation still applies", async () => {
    const stale = await makeCrl(ica1, {
      thisUpdate: new Date(Date.now() - 3 * DAY),
      nextUpdate: new Date(Date.now() - DAY),
    });
    expect(
      verifyPath(req(leafViaIca1, [ica1], [root], { revocation: { crls: [stale], staleCrl: "allow" } })).ok,
    ).toBe(true);
    const staleRevoking = await makeCrl(ica1, {
      revoked: [leafViaIca1.serial],
      thisUpdate: new Date(Date.now() - 3 * DAY),
      nextUpdate: new Date(Date.now() - DAY),
    });
    const r = verifyPath(
      req(leafViaIca1, [ica1], [root], { revocation: { crls: [staleRevoking], staleCrl: "allow" } }),
    );
    expect(r).toMatchObject({ ok: false, code: "x509_revoked" });
  });

  it("a same-name CA with another key does not rescue a leaf signed by a revoked CA", async () => {
    const ica1b = await makeCa(root, { subject: "CN=Prod ICA 1" });
    // Same name, different key: leafViaIca1 only verifies under ica1, which is revoked.
    const crl = await makeCrl(root, { revoked: [ica1.serial] });
    const r = verifyPath(req(leafViaIca1, [ica1b, ica1], [root], { revocation: { crls: [crl] } }));
    expect(r).toMatchObject({ ok: false, code: "x509_revoked" });
  });
});
