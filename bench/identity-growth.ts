/**
 * Growth of the identity stage, in the generator's process:
 *  - trust domains: verification of a leaf of one trust domain while 1, 100 or 10,000 trust
 *    domains are configured; cold miss (never-seen leaves, a separate set per size) and cache hit.
 *    The measured domain has root -> intermediate -> leaf and a CRL; the other domains each have
 *    their own bundle source whose root comes from a pool of distinct roots (issuing 10,000 CA
 *    keys would take minutes; the verifier only ever looks at the leaf's own domain's anchors);
 *  - XFCC: a request through a trusted proxy whose x-forwarded-client-cert carries 1 or 10
 *    elements (each with By, Hash, Cert, Subject and URI, the last one the client's, as Envoy
 *    appends them), with a distinct header per call (parse, decode and hash every time; the
 *    client's chain is answered by the verified-chain cache) and with the same header repeated.
 */
import { createHash } from "node:crypto";
import { type Authenticator, createAuthenticator, staticBundle, staticCrls } from "../src/identity/index.js";
import type { TrustDomainConfig } from "../src/identity/config.js";
import type { CertificateEvidence } from "../src/identity/types.js";
import { type IssuedCertificate, issueCertificate, issueCrl } from "../src/pki/issue.js";
import { timeLoop } from "./components.js";

export interface TrustDomainPoint {
  trustDomains: number;
  /** Milliseconds to build the authenticator with that many domains. */
  setupMs: number;
  missUs: number;
  hitUs: number;
}

export interface XfccPoint {
  elements: number;
  headerBytes: number;
  /** Microseconds per verification, a different header each call. */
  distinctUs: number;
  /** Microseconds per verification, the same header again (memoised parse). */
  repeatedUs: number;
}

const TD = "growth.example";
const ROOT_POOL = 16;

interface Chain {
  root: IssuedCertificate;
  int: IssuedCertificate;
  domain: TrustDomainConfig;
}

async function measuredChain(): Promise<Chain> {
  const root = await issueCertificate({ subject: "CN=growth root", ca: {} });
  const int = await issueCertificate({ subject: "CN=growth int", ca: { pathLen: 0 }, issuer: root });
  const bundles = staticBundle([root.der]);
  const intermediates = staticBundle([int.der]);
  const crls = await staticCrls((await issueCrl({ issuer: int })).pem, [bundles, intermediates]);
  return { root, int, domain: { bundles, intermediates, crls } };
}

function verifyOk(auth: Authenticator, e: CertificateEvidence): void {
  const r = auth.authenticate(e);
  if (!r.ok) throw new Error(`bench: identity verification failed: ${r.code} ${r.message}`);
}

export async function measureTrustDomainGrowth(
  sizes: readonly number[],
  leaves: number,
  hitMs: number,
): Promise<TrustDomainPoint[]> {
  const chain = await measuredChain();
  const pool: Uint8Array[] = [];
  for (let i = 0; i < Math.min(ROOT_POOL, Math.max(...sizes)); i++) {
    pool.push((await issueCertificate({ subject: `CN=other root ${i}`, ca: {} })).der);
  }
  const points: TrustDomainPoint[] = [];
  for (const size of sizes) {
    const evidence: CertificateEvidence[] = [];
    for (let i = 0; i < leaves + 1; i++) {
      const c = await issueCertificate({
        subject: `CN=growth ${size} ${i}`,
        issuer: chain.int,
        uris: [`spiffe://${TD}/ns/n${size}/sa/w${i}`],
      });
      evidence.push({ sourceCertificate: encodeURIComponent(c.pem), headers: {} });
    }
    const t0 = performance.now();
    const domains: Record<string, TrustDomainConfig> = {};
    for (let i = 0; i < size - 1; i++) {
      domains[`spiffe://td-${i}.growth.example`] = { bundles: staticBundle([pool[i % pool.length]]) };
    }
    domains[`spiffe://${TD}`] = chain.domain;
    const auth = createAuthenticator({ trustDomains: domains, cache: { maxEntries: 10_000 } });
    const setupMs = performance.now() - t0;
    verifyOk(auth, evidence[0]); // warm: the shared intermediate's checks and code paths
    const t1 = performance.now();
    for (let i = 1; i <= leaves; i++) verifyOk(auth, evidence[i]);
    const missUs = ((performance.now() - t1) * 1000) / leaves;
    const hitUs = timeLoop(hitMs, leaves, (n) => verifyOk(auth, evidence[1 + (n % leaves)]));
    points.push({ trustDomains: size, setupMs, missUs, hitUs });
  }
  return points;
}

function xfccElement(by: string, cert: IssuedCertificate, uri: string, subject: string): string {
  const hash = createHash("sha256").update(cert.der).digest("hex");
  return `By=${by};Hash=${hash};Cert="${encodeURIComponent(cert.pem)}";Subject="${subject}";URI=${uri}`;
}

export async function measureXfccGrowth(counts: readonly number[], ms: number): Promise<XfccPoint[]> {
  const chain = await measuredChain();
  const proxyId = `spiffe://${TD}/ns/edge/sa/proxy`;
  const proxy = await issueCertificate({ subject: "CN=growth proxy", issuer: chain.int, uris: [proxyId] });
  const clientId = `spiffe://${TD}/ns/app/sa/client`;
  const client = await issueCertificate({ subject: "CN=growth client", issuer: chain.int, uris: [clientId] });
  const hops: string[] = [];
  for (let j = 0; j < Math.max(...counts) - 1; j++) {
    const hopClient = await issueCertificate({
      subject: `CN=hop ${j}`,
      issuer: chain.int,
      uris: [`spiffe://${TD}/ns/hop/sa/c${j}`],
    });
    hops.push(
      xfccElement(
        `spiffe://${TD}/ns/hop/sa/p${j}`,
        hopClient,
        `spiffe://${TD}/ns/hop/sa/c${j}`,
        `CN=hop ${j}`,
      ),
    );
  }
  const auth = createAuthenticator({
    trustDomains: { [`spiffe://${TD}`]: chain.domain },
    trustedProxies: [proxyId],
    cache: { maxEntries: 10_000 },
  });
  const source = encodeURIComponent(proxy.pem);
  const points: XfccPoint[] = [];
  for (const count of counts) {
    const header = (n: number) =>
      [...hops.slice(0, count - 1), xfccElement(proxyId, client, clientId, `CN=growth client,OU=r${n}`)].join(
        ",",
      );
    // More distinct headers than the authenticator memoises (1024), cycled: every call parses.
    const distinct: CertificateEvidence[] = Array.from({ length: 2048 }, (_, n) => ({
      sourceCertificate: source,
      headers: { "x-forwarded-client-cert": header(n) },
    }));
    for (const e of distinct.slice(0, 2)) {
      const r = auth.authenticate(e);
      if (!r.ok || r.identity.id !== clientId || r.proxy?.id !== proxyId) {
        throw new Error(`bench: XFCC with ${count} elements not verified: ${r.ok ? r.identity.id : r.code}`);
      }
    }
    const distinctUs = timeLoop(ms, 256, (n) => verifyOk(auth, distinct[n % distinct.length]));
    const repeatedUs = timeLoop(ms, 256, () => verifyOk(auth, distinct[0]));
    points.push({
      elements: count,
      headerBytes: Buffer.byteLength(distinct[0].headers?.["x-forwarded-client-cert"] ?? ""),
      distinctUs,
      repeatedUs,
    });
  }
  return points;
}
