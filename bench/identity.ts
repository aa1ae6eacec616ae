/**
 * Micro-benchmark of the identity stage: verifications per second on the verified-chain cache
 * miss path (RFC 5280 path validation, leaf -> two configured intermediates -> root, with a CRL)
 * and on the cache hit path. "cold miss": a leaf never seen before; "warm miss": cache disabled,
 * same leaf (parsing and signature checks memoised by x509, path building and checks redone).
 * Run: npx tsx bench/identity.ts
 */
import { cpus } from "node:os";
import { createAuthenticator, staticBundle, staticCrls } from "../src/identity/index.js";
import { issueCertificate, issueCrl } from "../src/pki/issue.js";

async function main(): Promise<void> {
  const td = "bench.example";
  const root = await issueCertificate({ subject: "CN=bench root", ca: {} });
  const int1 = await issueCertificate({ subject: "CN=bench int1", ca: {}, issuer: root });
  const int2 = await issueCertificate({ subject: "CN=bench int2", ca: { pathLen: 0 }, issuer: int1 });
  const leaf = await issueCertificate({ subject: "CN=bench leaf", issuer: int2, uris: [`spiffe://${td}/w`] });
  const bundles = staticBundle([root.der]);
  const intermediates = staticBundle([int1.der, int2.der]);
  const crl = await issueCrl({ issuer: int2 });
  const crls = await staticCrls(crl.pem, [bundles, intermediates]);
  const evidence = { sourceCertificate: encodeURIComponent(leaf.pem), headers: {} };

  const proxy = await issueCertificate({
    subject: "CN=bench proxy",
    issuer: int2,
    uris: [`spiffe://${td}/proxy`],
  });
  const viaProxy = {
    sourceCertificate: encodeURIComponent(proxy.pem),
    headers: { "x-forwarded-client-cert": `By=spiffe://${td}/proxy;Cert="${encodeURIComponent(leaf.pem)}"` },
  };

  const run = (label: string, maxEntries: number, ms: number, input = evidence) => {
    const auth = createAuthenticator({
      trustDomains: { [td]: { bundles, intermediates, crls } },
      trustedProxies: [`spiffe://${td}/proxy`],
      cache: { maxEntries },
    });
    const first = auth.authenticate(input);
    if (!first.ok) throw new Error(`bench setup failed: ${first.code} ${first.message}`);
    let n = 0;
    const start = performance.now();
    let now = start;
    while (now - start < ms) {
      for (let i = 0; i < 100; i++) {
        // Disabling the cache makes every call a miss. Note: x509/parseDer keeps its own parse
        // cache by DER hash, so "miss" still skips DER parsing; it does validate the whole path.
        const r = auth.authenticate(input);
        if (!r.ok) throw new Error(r.code);
      }
      n += 100;
      now = performance.now();
    }
    const perSec = (n / (now - start)) * 1000;
    const s = auth.cacheStats();
    console.log(
      `${label.padEnd(10)} ${perSec.toFixed(0).padStart(9)} verifications/s  (${(1e6 / perSec).toFixed(1)} µs each; cache hits=${s.hits} misses=${s.misses})`,
    );
  };

  // Cold miss: every request presents a certificate never seen before (DER parsing, URL/PEM decoding
  // and the leaf's signature check included; the shared intermediates' checks are memoised).
  const fresh = [];
  for (let i = 0; i < 300; i++) {
    const c = await issueCertificate({
      subject: `CN=bench ${i}`,
      issuer: int2,
      uris: [`spiffe://${td}/w${i}`],
    });
    fresh.push({ sourceCertificate: encodeURIComponent(c.pem), headers: {} });
  }
  const coldAuth = createAuthenticator({ trustDomains: { [td]: { bundles, intermediates, crls } } });
  coldAuth.authenticate(evidence);
  const t0 = performance.now();
  for (const e of fresh) {
    const r = coldAuth.authenticate(e);
    if (!r.ok) throw new Error(r.code);
  }
  const coldPerSec = (fresh.length / (performance.now() - t0)) * 1000;

  console.log(`identity bench: node ${process.version}, ${cpus()[0]?.model ?? "cpu"} x${cpus().length}`);
  console.log("chain: leaf -> int2 -> int1 -> root (ECDSA P-256), one CRL, URL-encoded PEM input");
  console.log(
    `${"cold miss".padEnd(10)} ${coldPerSec.toFixed(0).padStart(9)} verifications/s  (${(1e6 / coldPerSec).toFixed(1)} µs each; ${fresh.length} never-seen leaves)`,
  );
  run("warm miss", 0, 2000);
  run("cache hit", 10_000, 2000);
  run("xfcc miss", 0, 2000, viaProxy);
  run("xfcc hit", 10_000, 2000, viaProxy);
}

void main();
