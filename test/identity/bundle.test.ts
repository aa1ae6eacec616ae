import { mkdtempSync, renameSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type BundleError,
  type BundleSource,
  createAuthenticator,
  fileBundle,
  formatSpiffeBundle,
  httpsBundle,
  parseSpiffeBundle,
  staticBundle,
  type X509Bundle,
} from "../../src/identity/index.js";
import { exportPrivateKeyPem, type IssuedCertificate, issueCertificate } from "../../src/pki/issue.js";
import { type Domain, evidence, leaf, makeDomain } from "./helpers.js";

let a: Domain;
let other: Domain;
beforeAll(async () => {
  a = await makeDomain("a.example");
  other = await makeDomain("a.example");
});

function nextChange(src: BundleSource): Promise<X509Bundle> {
  return new Promise((resolve) => {
    const off = src.onChange((b) => {
      off();
      resolve(b);
    });
  });
}

function nextError(src: BundleSource): Promise<BundleError> {
  return new Promise((resolve) => {
    const off = src.onError((e) => {
      off();
      resolve(e);
    });
  });
}

describe("SPIFFE bundle JSON", () => {
  it("reads x509-svid entries, sequence and refresh hint; ignores other uses", () => {
    const doc = JSON.parse(
      formatSpiffeBundle([a.root.der, other.root.der], { sequence: 7, refreshHint: 60 }),
    );
    doc.keys.push({ use: "jwt-svid", kty: "EC", kid: "k1", crv: "P-256", x: "AA", y: "AA" });
    doc.keys.push({ kty: "EC", crv: "P-256", x: "AA", y: "AA" });
    doc.keys.push({ use: "future-use", x5c: ["not even base64"] });
    const r = parseSpiffeBundle(JSON.stringify(doc));
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.bundle.x509Authorities.map((d) => d.equals(a.root.der) || d.equals(other.root.der))).toEqual([
        true,
        true,
      ]);
      expect(r.bundle.sequence).toBe(7);
      expect(r.bundle.refreshHint).toBe(60);
    }
  });

  it("accepts an empty key set (every identity of the domain is then rejected)", () => {
    expect(parseSpiffeBundle('{"keys":[]}')).toMatchObject({ ok: true, bundle: { x509Authorities: [] } });
  });

  const x5c = () => a.root.der.toString("base64");
  const rejections: [string, () => string, string][] = [
    ["not JSON", () => "{", "bundle_json_invalid"],
    ["an array", () => "[]", "bundle_json_not_object"],
    ["null", () => "null", "bundle_json_not_object"],
    ["no keys", () => "{}", "bundle_json_keys_missing"],
    ["keys not an array", () => '{"keys":{}}', "bundle_json_keys_missing"],
    ["an entry that is not an object", () => '{"keys":[1]}', "bundle_json_bad_entry"],
    ["x509-svid without x5c", () => '{"keys":[{"use":"x509-svid","kty":"EC"}]}', "bundle_json_bad_x5c"],
    ["x509-svid with empty x5c", () => '{"keys":[{"use":"x509-svid","x5c":[]}]}', "bundle_json_bad_x5c"],
    [
      "x509-svid with two certificates",
      () => JSON.stringify({ keys: [{ use: "x509-svid", x5c: [x5c(), x5c()] }] }),
      "bundle_json_bad_x5c",
    ],
    ["x5c not a string", () => '{"keys":[{"use":"x509-svid","x5c":[5]}]}', "bundle_json_bad_x5c"],
    ["x5c not base64", () => '{"keys":[{"use":"x509-svid","x5c":["@@@@"]}]}', "bundle_json_bad_x5c"],
    [
      "x5c not a certificate",
      () => '{"keys":[{"use":"x509-svid","x5c":["AAAA"]}]}',
      "bundle_json_bad_certificate",
    ],
    ["negative sequence", () => '{"keys":[],"spiffe_sequence":-1}', "bundle_json_bad_sequence"],
    ["string sequence", () => '{"keys":[],"spiffe_sequence":"1"}', "bundle_json_bad_sequence"],
    [
      "fractional refresh hint",
      () => '{"keys":[],"spiffe_refresh_hint":1.5}',
      "bundle_json_bad_refresh_hint",
    ],
    ["huge document", () => `{"keys":[],"pad":"${"x".repeat(5 * 1024 * 1024)}"}`, "bundle_json_too_large"],
  ];
  for (const [name, text, code] of rejections) {
    it(`rejects ${name} with ${code}`, () => {
      expect(parseSpiffeBundle(text())).toMatchObject({ ok: false, code });
    });
  }
});

describe("static bundles", () => {
  it("loads PEM text, SPIFFE JSON text and DER", async () => {
    expect((await staticBundle(a.root.pem + other.root.pem).ready()).authorities.length).toBe(2);
    expect((await staticBundle(formatSpiffeBundle([a.root.der])).ready()).authorities.length).toBe(1);
    expect((await staticBundle([a.root.der]).ready()).authorities[0]?.equals(a.root.der)).toBe(true);
  });
  it("rejects garbage PEM and a PEM block that is not a certificate", async () => {
    await expect(staticBundle("garbage").ready()).rejects.toMatchObject({ code: "bundle_pem_invalid" });
    await expect(
      staticBundle("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n").ready(),
    ).rejects.toMatchObject({ code: "bundle_certificate_invalid" });
  });
});

describe("watched file bundles", () => {
  it("swaps atomically on change, keeps the last good bundle on a bad update, flushes the cache", async () => {
    const dir = mkdtempSync(join(tmpdir(), "bundle-"));
    const path = join(dir, "bundle.pem");
    writeFileSync(path, a.root.pem);
    const src = fileBundle(path, { debounceMs: 20, pollMs: 500 });
    const first = await src.ready();
    expect(first.authorities[0]?.equals(a.root.der)).toBe(true);

    const viaRoot = await leaf(a.root, "spiffe://a.example/w");
    const auth = createAuthenticator({ trustDomains: { "a.example": { bundles: src } } });
    expect(auth.authenticate(evidence(viaRoot)).ok).toBe(true);
    expect(auth.authenticate(evidence(viaRoot)).ok).toBe(true);
    expect(auth.cacheStats().hits).toBe(1);

    // Invalid update: reported, last good kept, cache untouched.
    const err = nextError(src);
    writeFileSync(`${path}.tmp`, "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n");
    renameSync(`${path}.tmp`, path);
    expect((await err).code).toBe("bundle_pem_invalid");
    expect(src.current()?.generation).toBe(first.generation);
    expect(auth.authenticate(evidence(viaRoot)).ok).toBe(true);

    // Valid update to another root: swapped, cache flushed, the old identity is rejected.
    const changed = nextChange(src);
    writeFileSync(`${path}.tmp`, other.root.pem);
    renameSync(`${path}.tmp`, path);
    const b = await changed;
    expect(b.generation).toBeGreaterThan(first.generation);
    expect(b.authorities[0]?.equals(other.root.der)).toBe(true);
    expect(auth.cacheStats().flushes).toBeGreaterThanOrEqual(1);
    // Same subject names, another key: the cached verdict is gone and the signature now fails.
    expect(auth.authenticate(evidence(viaRoot))).toMatchObject({ ok: false, code: "x509_bad_signature" });
    src.close();
  });

  it("reads SPIFFE JSON by extension and rejects ready() when the file is missing", async () => {
    const dir = mkdtempSync(join(tmpdir(), "bundle-"));
    writeFileSync(join(dir, "b.json"), formatSpiffeBundle([a.root.der], { sequence: 2 }));
    const src = fileBundle(join(dir, "b.json"), { watch: false });
    expect((await src.ready()).sequence).toBe(2);
    await expect(fileBundle(join(dir, "missing.pem"), { watch: false }).ready()).rejects.toMatchObject({
      code: "bundle_read_failed",
    });
  });

  it("recovers after an initial failure: ready() resolves once a good file appears", async () => {
    const dir = mkdtempSync(join(tmpdir(), "bundle-"));
    const path = join(dir, "late.pem");
    const src = fileBundle(path, { debounceMs: 20, pollMs: 500 });
    await expect(src.ready()).rejects.toMatchObject({ code: "bundle_read_failed" });
    const changed = nextChange(src);
    writeFileSync(path, a.root.pem);
    await changed;
    expect((await src.ready()).authorities[0]?.equals(a.root.der)).toBe(true);
    src.close();
  });

  it("refuses a spiffe_sequence rollback", async () => {
    const dir = mkdtempSync(join(tmpdir(), "bundle-"));
    const path = join(dir, "b.json");
    writeFileSync(path, formatSpiffeBundle([a.root.der], { sequence: 5 }));
    const src = fileBundle(path, { debounceMs: 20, pollMs: 500 });
    await src.ready();
    const err = nextError(src);
    writeFileSync(path, formatSpiffeBundle([other.root.der], { sequence: 4 }));
    expect((await err).code).toBe("bundle_sequence_rollback");
    expect(src.current()?.authorities[0]?.equals(a.root.der)).toBe(true);
    src.close();
  });
});

describe("HTTPS bundle endpoint", () => {
  let server: Server;
  let url: string;
  let ca: IssuedCertificate;
  let body: { status: number; text: string };
  let hits = 0;
  beforeAll(async () => {
    ca = await issueCertificate({ subject: "CN=endpoint ca", ca: {} });
    const tlsCert = await issueCertificate({
      subject: "CN=endpoint",
      issuer: ca,
      dns: ["localhost"],
      ips: ["127.0.0.1"],
    });
    server = createServer(
      { cert: tlsCert.pem, key: await exportPrivateKeyPem(tlsCert.keys.privateKey) },
      (_req, res) => {
        hits++;
        res.writeHead(body.status, { "content-type": "application/json" });
        res.end(body.text);
      },
    );
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/bundle`;
  });
  afterAll(() => server.close());

  it("fetches with a pinned CA, refreshes, keeps the last good bundle on failures", async () => {
    body = { status: 200, text: formatSpiffeBundle([a.root.der], { sequence: 1, refreshHint: 1 }) };
    const src = httpsBundle(url, { ca: ca.pem, minRefreshMs: 50, retryMs: 50 });
    expect((await src.ready()).authorities[0]?.equals(a.root.der)).toBe(true);
    expect(src.current()?.refreshHint).toBe(1);

    const err = nextError(src);
    body = { status: 503, text: "down" };
    expect((await err).code).toBe("bundle_http_status");
    expect(src.current()?.authorities[0]?.equals(a.root.der)).toBe(true);

    const err2 = nextError(src);
    body = { status: 200, text: '{"keys": 1}' };
    expect((await err2).code).toBe("bundle_json_keys_missing");

    const changed = nextChange(src);
    body = { status: 200, text: formatSpiffeBundle([other.root.der], { sequence: 2, refreshHint: 1 }) };
    expect((await changed).authorities[0]?.equals(other.root.der)).toBe(true);
    src.close();
  });

  it("honours spiffe_refresh_hint (no refetch before the hint)", async () => {
    body = { status: 200, text: formatSpiffeBundle([a.root.der], { refreshHint: 3600 }) };
    const before = hits;
    const src = httpsBundle(url, { ca: ca.pem, minRefreshMs: 10 });
    await src.ready();
    await new Promise((r) => setTimeout(r, 300));
    expect(hits - before).toBe(1);
    src.close();
  });

  it("rejects an endpoint whose certificate is not signed by the pinned CA", async () => {
    const src = httpsBundle(url, { ca: a.root.pem, retryMs: 60_000 });
    await expect(src.ready()).rejects.toMatchObject({ code: "bundle_fetch_failed" });
    src.close();
  });

  it("refuses a plain http: URL", () => {
    expect(() => httpsBundle("http://127.0.0.1/bundle")).toThrow(/https/);
  });
});
