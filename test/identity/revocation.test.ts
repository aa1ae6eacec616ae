import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type CrlError,
  type CrlSet,
  type CrlSource,
  createAuthenticator,
  crlSource,
  fileBundle,
  staticBundle,
} from "../../src/identity/index.js";
import { type IssuedCertificate, issueCrl } from "../../src/pki/issue.js";
import { type Domain, evidence, leaf, makeDomain } from "./helpers.js";

let a: Domain;
let w1: IssuedCertificate;
let w2: IssuedCertificate;
beforeAll(async () => {
  a = await makeDomain("a.example");
  w1 = await leaf(a.int1, "spiffe://a.example/w1");
  w2 = await leaf(a.int1, "spiffe://a.example/w2");
});

const issuers = () => [staticBundle([a.root.der]), staticBundle([a.int1.der])];

function next<T>(subscribe: (l: (v: T) => void) => () => void): Promise<T> {
  return new Promise((resolve) => {
    const off = subscribe((v) => {
      off();
      resolve(v);
    });
  });
}

/** The next error with this code (a poll may report the previous content's error again first). */
function nextCode(src: CrlSource, code: string): Promise<CrlError> {
  return new Promise((resolve) => {
    const off = src.onError((e) => {
      if (e.code !== code) return;
      off();
      resolve(e);
    });
  });
}

describe("CRL sources", () => {
  it("loads a PEM file with several CRLs, reloads on change, keeps the last good one on a bad update", async () => {
    const dir = mkdtempSync(join(tmpdir(), "crl-"));
    const path = join(dir, "crl.pem");
    const t0 = Date.now() - 60_000;
    const c1 = await issueCrl({
      issuer: a.int1,
      revoked: [{ serial: w1.cert.serialNumber }],
      thisUpdate: new Date(t0),
    });
    const rootCrl = await issueCrl({ issuer: a.root, thisUpdate: new Date(t0) });
    writeFileSync(path, c1.pem + rootCrl.pem);
    const src: CrlSource = crlSource({ files: [path], issuers: issuers(), debounceMs: 20, pollMs: 500 });
    expect((await src.ready()).crls.length).toBe(2);

    const bundles = staticBundle([a.root.der]);
    const intermediates = staticBundle([a.int1.der]);
    const auth = createAuthenticator({
      trustDomains: { "a.example": { bundles, intermediates, crls: src } },
    });
    expect(auth.authenticate(evidence(w1))).toMatchObject({ ok: false, code: "x509_revoked" });
    expect(auth.authenticate(evidence(w2)).ok).toBe(true);
    expect(auth.authenticate(evidence(w2)).ok).toBe(true);
    expect(auth.cacheStats().hits).toBe(1);

    // A CRL from an unknown issuer is refused; the last good set stays.
    // Contents are made before listening: a poll in between must not feed a stale event.
    const stranger = await makeDomain("z.example");
    const strangerCrl = await issueCrl({ issuer: stranger.int1 });
    const oldCrl = await issueCrl({ issuer: a.int1, thisUpdate: new Date(t0 - 3_600_000) });
    const c2 = await issueCrl({
      issuer: a.int1,
      revoked: [{ serial: w1.cert.serialNumber }, { serial: w2.cert.serialNumber }],
      thisUpdate: new Date(t0 + 1000),
    });
    const errP = next<CrlError>((l) => src.onError(l));
    writeFileSync(path, strangerCrl.pem);
    expect((await errP).code).toBe("crl_issuer_unknown");
    expect(src.current()?.crls.length).toBe(2);

    // Going back in time is refused.
    const errR = nextCode(src, "crl_rollback");
    writeFileSync(path, oldCrl.pem);
    expect((await errR).code).toBe("crl_rollback");

    // A newer CRL revoking w2: accepted, cache flushed, w2 now denied.
    const changed = next<CrlSet>((l) => src.onChange(l));
    writeFileSync(path, c2.pem + rootCrl.pem);
    await changed;
    expect(auth.authenticate(evidence(w2))).toMatchObject({ ok: false, code: "x509_revoked" });
    src.close();
  });

  it("loads its CRLs once the issuing CA's bundle arrives", async () => {
    const dir = mkdtempSync(join(tmpdir(), "crl-"));
    const crlPath = join(dir, "crl.pem");
    writeFileSync(crlPath, (await issueCrl({ issuer: a.int1 })).pem);
    const interPath = join(dir, "int.pem");
    const intermediates = fileBundle(interPath, { debounceMs: 20, pollMs: 500 });
    const src = crlSource({
      files: [crlPath],
      issuers: [staticBundle([a.root.der]), intermediates],
      watch: false,
    });
    await expect(src.ready()).rejects.toMatchObject({ code: "crl_issuer_unknown" });
    const loaded = next<CrlSet>((l) => src.onChange(l));
    writeFileSync(interPath, a.int1.pem);
    expect((await loaded).crls.length).toBe(1);
    expect((await src.ready()).crls.length).toBe(1);
    src.close();
    intermediates.close();
  });

  it("rejects ready() for garbage, empty and DER-garbage files", async () => {
    const dir = mkdtempSync(join(tmpdir(), "crl-"));
    for (const [name, content] of [
      ["garbage.pem", "-----BEGIN X509 CRL-----\n!!\n-----END X509 CRL-----\n"],
      ["empty.crl", ""],
      ["der.crl", "\u0030\u0003\u0001\u0001"],
    ] as const) {
      writeFileSync(join(dir, name), content);
      const src = crlSource({ files: [join(dir, name)], issuers: issuers(), watch: false });
      await expect(src.ready()).rejects.toMatchObject({ code: "crl_malformed" });
    }
  });

  describe("over HTTP", () => {
    let server: Server;
    let body: Buffer;
    let hits = 0;
    let url: string;
    beforeAll(async () => {
      server = createServer((_req, res) => {
        hits++;
        res.writeHead(200, { "content-type": "application/pkix-crl" });
        res.end(body);
      });
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/int.crl`;
    });
    afterAll(() => server.close());

    it("fetches a DER CRL and refreshes before nextUpdate", async () => {
      // nextUpdate 4-5 s away (second precision) with a 3 s margin: the next fetch is due 1-2 s
      // after issuance, while the poll and retry intervals are an hour. (Margins leave room for a
      // loaded machine: a fetch landing inside the margin would wait for the hour-long retry.)
      const c = await issueCrl({ issuer: a.int1, nextUpdate: new Date(Date.now() + 5000) });
      body = c.der;
      const before = hits;
      const src = crlSource({
        urls: [url],
        issuers: issuers(),
        refreshMs: 3_600_000,
        refreshBeforeNextUpdateMs: 3000,
        retryMs: 3_600_000,
        minRefreshMs: 50,
      });
      expect((await src.ready()).crls.length).toBe(1);
      const deadline = Date.now() + 4000;
      while (hits - before < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(hits - before).toBeGreaterThanOrEqual(2);
      src.close();
    });
  });
});
