import { createPrivateKey, createPublicKey } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runCerts } from "../../src/cli/certs.js";
import {
  createAuthenticator,
  crlSource,
  fileBundle,
  parseSpiffeBundle,
  type TrustDomainConfig,
  trustDomainSources,
} from "../../src/identity/index.js";
import { DEMO_WORKLOADS, generateDemoPkiInMemory } from "../../src/pki/demo.js";
import { demoDomainPaths, demoWorkloadPaths } from "../../src/pki/layout.js";
import {
  DemoPkiExistsError,
  type DemoPkiManifest,
  ensureDemoPki,
  generateDemoPki,
} from "../../src/pki/write.js";
import { parseWitKeys } from "../../src/identity/tokens/index.js";
import { parseDer } from "../../src/identity/x509/index.js";

describe("demo PKI in memory", () => {
  it("issues every workload with one URI SAN, DNS SANs, client+server EKU and digitalSignature", async () => {
    const pki = await generateDemoPkiInMemory();
    expect(Object.keys(pki.workloads).sort()).toEqual(DEMO_WORKLOADS.map((w) => w.name).sort());
    for (const w of Object.values(pki.workloads)) {
      const c = parseDer(w.cert.der);
      const uris = (c.subjectAltNames ?? []).filter((n) => n.type === "uri").map((n) => n.value);
      const dns = (c.subjectAltNames ?? []).filter((n) => n.type === "dns").map((n) => n.value);
      expect(uris).toEqual([w.id]);
      expect(dns).toEqual(w.dns);
      expect(c.extKeyUsage).toEqual(["1.3.6.1.5.5.7.3.2", "1.3.6.1.5.5.7.3.1"]);
      expect(c.basicConstraints?.ca).toBe(false);
      expect(c.keyUsage).toBeDefined();
    }
    expect(pki.workloads["wimse-authz"]?.dns).toContain("authz");
    expect(pki.domains.demo.trustDomain).toBe("spiffe://demo.wimse-authz.local");
    expect(pki.domains.demo2.trustDomain).toBe("wimse://demo2.wimse-authz.local");
  });
});

describe("demo PKI on disk", () => {
  let dir: string;
  let manifest: DemoPkiManifest;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "demo-pki-"));
    manifest = await generateDemoPki(dir);
  });

  it("writes the documented layout, listed in manifest.json", () => {
    const onDisk = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as DemoPkiManifest;
    expect(onDisk.files).toEqual(manifest.files);
    for (const f of manifest.files) expect(existsSync(join(dir, f)), f).toBe(true);
    for (const short of ["demo", "demo2"]) {
      for (const f of ["root.pem", "intermediate.pem", "bundle.pem", "bundle.spiffe.json", "crl.pem"]) {
        expect(manifest.files).toContain(`${short}/${f}`);
      }
    }
    for (const w of DEMO_WORKLOADS) {
      for (const f of ["cert.pem", "chain.pem", "key.pem"])
        expect(manifest.files).toContain(`workloads/${w.name}/${f}`);
    }
    expect(manifest.workloads.revoked?.revoked).toBe(true);
  });

  it("writes private keys with mode 0600 and nothing else secret", () => {
    for (const f of manifest.files) {
      const mode = statSync(join(dir, f)).mode & 0o777;
      expect(mode, f).toBe(f.endsWith("key.pem") ? 0o600 : 0o644);
    }
  });

  it("writes each trust domain's WIT issuer: private key 0600, JWKS and a jwt-svid entry in the SPIFFE bundle, same key", () => {
    for (const [short, td] of Object.entries(manifest.trustDomains)) {
      const wit = td.wit;
      if (!wit) throw new Error(`${short}: no WIT issuer in the manifest`);
      expect(wit.issuerKey).toBe(`${short}/wit/issuer-key.pem`);
      expect(statSync(join(dir, wit.issuerKey)).mode & 0o777).toBe(0o600);
      expect(wit.alg).toBe("ES256");
      const jwks = parseWitKeys(readFileSync(join(dir, wit.jwks), "utf8"), "jwks");
      const bundle = parseWitKeys(readFileSync(join(dir, td.bundleSpiffe), "utf8"), "spiffe");
      if (!jwks.ok || !bundle.ok) throw new Error(`${short}: WIT keys do not parse`);
      expect([...jwks.content.keys.keys()]).toEqual([wit.kid]);
      expect([...bundle.content.keys.keys()]).toEqual([wit.kid]);
      const priv = createPrivateKey(readFileSync(join(dir, wit.issuerKey)));
      const fromPriv = createPublicKey(priv).export({ format: "jwk" });
      const jwk = (
        JSON.parse(readFileSync(join(dir, wit.jwks), "utf8")) as { keys: Record<string, string>[] }
      ).keys[0];
      expect({ x: jwk.x, y: jwk.y }).toEqual({ x: fromPriv.x, y: fromPriv.y });
      const x509 = parseSpiffeBundle(readFileSync(join(dir, td.bundleSpiffe), "utf8"));
      expect(x509.ok && x509.bundle.x509Authorities.length).toBe(1);
    }
    expect(manifest.trustDomains.demo.wit?.kid).not.toBe(manifest.trustDomains.demo2.wit?.kid);
  });

  it("writes a valid SPIFFE bundle", () => {
    const r = parseSpiffeBundle(readFileSync(join(dir, "demo/bundle.spiffe.json"), "utf8"));
    expect(r.ok && r.bundle.x509Authorities.length).toBe(1);
    expect(r.ok && r.bundle.refreshHint).toBe(300);
  });

  it("never overwrites without force, and overwrites with force", async () => {
    writeFileSync(join(dir, "workloads/frontend/key.pem"), "sentinel", { mode: 0o644 });
    await expect(generateDemoPki(dir)).rejects.toBeInstanceOf(DemoPkiExistsError);
    expect(readFileSync(join(dir, "workloads/frontend/key.pem"), "utf8")).toBe("sentinel");
    expect(await runCerts(["--out", dir])).toBe(1);
    expect(readFileSync(join(dir, "workloads/frontend/key.pem"), "utf8")).toBe("sentinel");
    expect(await runCerts(["--out", dir, "--force"])).toBe(0);
    expect(readFileSync(join(dir, "workloads/frontend/key.pem"), "utf8")).toContain("BEGIN PRIVATE KEY");
    expect(statSync(join(dir, "workloads/frontend/key.pem")).mode & 0o777).toBe(0o600);
    manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8"));
  });

  it("rejects unknown arguments with exit code 2", async () => {
    expect(await runCerts(["--bogus"])).toBe(2);
  });

  it("the written certificates validate through the authenticator; the revoked one is denied", async () => {
    const domains: Record<string, TrustDomainConfig> = {};
    for (const td of Object.values(manifest.trustDomains)) {
      const bundles = fileBundle(join(dir, td.bundleSpiffe), { watch: false });
      const intermediates = fileBundle(join(dir, td.intermediate), { watch: false });
      const crls = crlSource({ files: [join(dir, td.crl)], issuers: [bundles, intermediates], watch: false });
      domains[td.trustDomain] = { bundles, intermediates, crls };
    }
    const auth = createAuthenticator({ trustDomains: domains, missingCrl: "deny" });
    await auth.ready();
    for (const [name, w] of Object.entries(manifest.workloads)) {
      const pem = readFileSync(join(dir, w.cert), "utf8");
      const r = auth.authenticate({ sourceCertificate: encodeURIComponent(pem), headers: {} });
      if (w.revoked) expect(r, name).toMatchObject({ ok: false, code: "x509_revoked" });
      else expect(r, name).toMatchObject({ ok: true, identity: { id: w.id } });
    }
    auth.close();
  });
});

describe("ensureDemoPki + trustDomainSources (first start)", () => {
  it("generates once, then reuses; the middlebox path works with the demo certificates", async () => {
    const dir = mkdtempSync(join(tmpdir(), "demo-pki-"));
    const first = await ensureDemoPki(dir);
    expect(first.created).toBe(true);
    const again = await ensureDemoPki(dir);
    expect(again.created).toBe(false);
    expect(again.manifest.files).toEqual(first.manifest.files);

    const trustDomains: Record<string, TrustDomainConfig> = {};
    for (const short of ["demo", "demo2"] as const) {
      const p = demoDomainPaths(short);
      trustDomains[again.manifest.trustDomains[short]?.trustDomain as string] = trustDomainSources({
        bundleFile: join(dir, p.bundleSpiffe),
        intermediatesFile: join(dir, p.intermediate),
        crlFiles: [join(dir, p.crl)],
        watch: false,
      });
    }
    const middlebox = again.manifest.workloads.middlebox;
    const auth = createAuthenticator({ trustDomains, trustedProxies: [middlebox?.id as string] });
    await auth.ready();
    const pem = (name: string) => readFileSync(join(dir, demoWorkloadPaths(name).cert), "utf8");
    const r = auth.authenticate({
      sourceCertificate: encodeURIComponent(pem("middlebox")),
      headers: {
        "x-forwarded-client-cert": `By=${middlebox?.id};Cert="${encodeURIComponent(pem("billing"))}"`,
      },
    });
    expect(r).toMatchObject({
      ok: true,
      identity: { id: "wimse://demo2.wimse-authz.local/workload/billing", method: "xfcc" },
      proxy: { id: middlebox?.id, method: "mtls" },
    });
    const denied = auth.authenticate({
      sourceCertificate: encodeURIComponent(pem("frontend")),
      headers: { "x-forwarded-client-cert": `Cert="${encodeURIComponent(pem("billing"))}"` },
    });
    expect(denied).toMatchObject({ ok: false, code: "xfcc_untrusted_peer" });
    auth.close();
  });
});
