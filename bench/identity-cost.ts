/**
 * Identity verification alone, in the generator's process: a cold cache miss (a leaf never seen
 * before: decoding, parsing, path validation with a CRL) against a cache hit (the same leaf again).
 * Target: a hit at least 20 x cheaper than a miss.
 */
import { createAuthenticator, staticBundle, staticCrls } from "../src/identity/index.js";
import { issueCertificate, issueCrl } from "../src/pki/issue.js";

export interface IdentityCost {
  /** Microseconds per verification of a never-seen leaf. */
  missUs: number;
  /** Microseconds per verification answered from the verified-chain cache. */
  hitUs: number;
  leaves: number;
}

export async function measureIdentityCost(leaves: number, hitMs: number): Promise<IdentityCost> {
  const td = "bench.example";
  const root = await issueCertificate({ subject: "CN=bench root", ca: {} });
  const int = await issueCertificate({ subject: "CN=bench int", ca: { pathLen: 0 }, issuer: root });
  const bundles = staticBundle([root.der]);
  const intermediates = staticBundle([int.der]);
  const crls = await staticCrls((await issueCrl({ issuer: int })).pem, [bundles, intermediates]);
  const evidence: Array<{ sourceCertificate: string; headers: Record<string, string> }> = [];
  for (let i = 0; i < leaves + 1; i++) {
    const c = await issueCertificate({
      subject: `CN=bench ${i}`,
      issuer: int,
      uris: [`spiffe://${td}/w${i}`],
    });
    evidence.push({ sourceCertificate: encodeURIComponent(c.pem), headers: {} });
  }
  const auth = createAuthenticator({
    trustDomains: { [td]: { bundles, intermediates, crls } },
    cache: { maxEntries: 10_000 },
  });
  const check = (e: (typeof evidence)[number]) => {
    const r = auth.authenticate(e);
    if (!r.ok) throw new Error(`bench: identity verification failed: ${r.code} ${r.message}`);
  };
  check(evidence[0]); // warm: shared intermediates' checks and code paths
  const t0 = performance.now();
  for (let i = 1; i <= leaves; i++) check(evidence[i]);
  const missUs = ((performance.now() - t0) * 1000) / leaves;
  let n = 0;
  const t1 = performance.now();
  let now = t1;
  while (now - t1 < hitMs) {
    for (let i = 0; i < 100; i++) check(evidence[1 + (n++ % leaves)]);
    now = performance.now();
  }
  return { missUs, hitUs: ((now - t1) * 1000) / n, leaves };
}
