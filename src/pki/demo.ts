/**
 * The demo PKI: two trust domains, each with a root and an intermediate CA, workload
 * certificates, a CRL per domain and bundles (PEM and SPIFFE JSON).
 *
 * Layout under the output directory (stable: Envoy configs, docker-compose, the demo and the
 * service's default configuration reference these paths):
 *   manifest.json                         every path written, by role
 *   <td-short>/root.pem                   root CA certificate
 *   <td-short>/intermediate.pem           intermediate CA certificate
 *   <td-short>/bundle.pem                 trust bundle (the root) as PEM
 *   <td-short>/bundle.spiffe.json         trust bundle as SPIFFE bundle JSON (JWK set)
 *   <td-short>/crl.pem                    CRLs: the intermediate's (revokes "revoked") and the root's
 *   workloads/<name>/cert.pem             leaf certificate
 *   workloads/<name>/chain.pem            leaf followed by its intermediate
 *   workloads/<name>/key.pem              PKCS#8 private key, mode 0600
 *   <td-short>/wit/issuer-key.pem         the trust domain's WIT signing key (PKCS#8, ES256), mode 0600
 *   <td-short>/wit/jwks.json              its public key as a JWK Set (kid, alg, use "sig")
 * bundle.spiffe.json also carries the WIT issuer's public key as a "jwt-svid" entry (SPIFFE bundles
 * hold both kinds of authorities; the X.509 bundle loader ignores it, the WIT key source uses it).
 * <td-short> is "demo" for spiffe://demo.wimse-authz.local, "demo2" for wimse://demo2.wimse-authz.local.
 */
import { createHash } from "node:crypto";
import { newKeyPair, type TokenKeyPair } from "./tokens.js";
import {
  type IssuedCertificate,
  type IssuedCrl,
  type KeyAlgorithm,
  issueCertificate,
  issueCrl,
} from "./issue.js";

export const DEMO_TRUST_DOMAINS = {
  demo: { id: "spiffe://demo.wimse-authz.local", name: "demo.wimse-authz.local" },
  demo2: { id: "wimse://demo2.wimse-authz.local", name: "demo2.wimse-authz.local" },
} as const;

export type DemoDomainShort = keyof typeof DEMO_TRUST_DOMAINS;

/**
 * The target URIs of the demo workloads that receive token-authenticated calls: the WPT `aud` /
 * `wimse-aud` values the service accepts on built-in defaults (tokens.targets). One service
 * instance guards every demo workload, so it accepts each of them; a real deployment lists only
 * the targets of the workload(s) its Envoy fronts.
 */
export const DEMO_TOKEN_TARGETS = {
  backend: "https://backend.demo.wimse-authz.local",
  billing: "https://billing.demo2.wimse-authz.local",
} as const;

export interface DemoWorkloadSpec {
  name: string;
  domain: DemoDomainShort;
  id: string;
  dns: string[];
  /** Listed in the domain's CRL. */
  revoked?: boolean;
}

export const DEMO_WORKLOADS: readonly DemoWorkloadSpec[] = [
  {
    name: "frontend",
    domain: "demo",
    id: "spiffe://demo.wimse-authz.local/ns/demo/sa/frontend",
    dns: ["frontend"],
  },
  {
    name: "backend",
    domain: "demo",
    id: "spiffe://demo.wimse-authz.local/ns/demo/sa/backend",
    dns: ["backend"],
  },
  {
    name: "billing",
    domain: "demo2",
    id: "wimse://demo2.wimse-authz.local/workload/billing",
    dns: ["billing"],
  },
  {
    name: "middlebox",
    domain: "demo",
    id: "spiffe://demo.wimse-authz.local/ns/edge/sa/middlebox",
    dns: ["middlebox"],
  },
  { name: "envoy", domain: "demo", id: "spiffe://demo.wimse-authz.local/ns/demo/sa/envoy", dns: ["envoy"] },
  {
    name: "wimse-authz",
    domain: "demo",
    id: "spiffe://demo.wimse-authz.local/ns/demo/sa/wimse-authz",
    dns: ["authz", "localhost"],
  },
  {
    name: "revoked",
    domain: "demo",
    id: "spiffe://demo.wimse-authz.local/ns/demo/sa/revoked",
    dns: ["revoked"],
    revoked: true,
  },
];

export interface DemoPkiOptions {
  keyAlg?: KeyAlgorithm;
  /** Validity start; default now minus one minute. */
  now?: Date;
  /** Leaf lifetime in days; default 365. */
  leafDays?: number;
  /** CRL nextUpdate distance in days; default 365 (a demo must keep working for a while). */
  crlDays?: number;
}

export interface DemoDomain {
  short: DemoDomainShort;
  trustDomain: string;
  root: IssuedCertificate;
  intermediate: IssuedCertificate;
  /** The intermediate's CRL (lists the revoked workloads) then the root's (empty). */
  crls: IssuedCrl[];
  /** The trust domain's WIT issuer key (ES256; kid "<short>-wit-<hash>"). */
  witIssuer: TokenKeyPair;
}

export interface DemoWorkload extends DemoWorkloadSpec {
  cert: IssuedCertificate;
}

export interface DemoPki {
  domains: Record<DemoDomainShort, DemoDomain>;
  workloads: Record<string, DemoWorkload>;
}

const DAY = 86_400_000;

/** Issues the whole demo PKI in memory (fast: no files; used by tests and by generateDemoPki). */
export async function generateDemoPkiInMemory(opts: DemoPkiOptions = {}): Promise<DemoPki> {
  const keyAlg = opts.keyAlg ?? "P-256";
  const start = opts.now ?? new Date(Date.now() - 60_000);
  const at = (days: number) => new Date(start.getTime() + days * DAY);
  const domains = {} as Record<DemoDomainShort, DemoDomain>;
  const workloads: Record<string, DemoWorkload> = {};
  for (const short of Object.keys(DEMO_TRUST_DOMAINS) as DemoDomainShort[]) {
    const td = DEMO_TRUST_DOMAINS[short];
    const root = await issueCertificate({
      subject: `CN=${td.name} Root CA, O=wimse-authz demo`,
      keyAlg,
      ca: {},
      notBefore: start,
      notAfter: at(3650),
      uris: [td.id],
    });
    const intermediate = await issueCertificate({
      subject: `CN=${td.name} Intermediate CA, O=wimse-authz demo`,
      keyAlg,
      ca: { pathLen: 0 },
      issuer: root,
      notBefore: start,
      notAfter: at(1825),
      uris: [td.id],
    });
    const witIssuer = newKeyPair("ES256", `${short}-wit-1`);
    const kid = `${short}-wit-${createHash("sha256")
      .update(witIssuer.publicKey.export({ format: "der", type: "spki" }))
      .digest("hex")
      .slice(0, 8)}`;
    domains[short] = {
      short,
      trustDomain: td.id,
      root,
      intermediate,
      crls: [],
      witIssuer: newKeyPairWithKid(witIssuer, kid),
    };
  }
  for (const spec of DEMO_WORKLOADS) {
    const d = domains[spec.domain];
    const cert = await issueCertificate({
      subject: `CN=${spec.name}, O=wimse-authz demo`,
      keyAlg,
      issuer: d.intermediate,
      uris: [spec.id],
      dns: spec.dns,
      notBefore: start,
      notAfter: at(opts.leafDays ?? 365),
    });
    workloads[spec.name] = { ...spec, cert };
  }
  for (const d of Object.values(domains)) {
    const revoked = DEMO_WORKLOADS.filter((w) => w.domain === d.short && w.revoked).map((w) => ({
      serial: workloads[w.name].cert.cert.serialNumber,
    }));
    const nextUpdate = at(opts.crlDays ?? 365);
    d.crls.push(await issueCrl({ issuer: d.intermediate, revoked, thisUpdate: start, nextUpdate }));
    d.crls.push(await issueCrl({ issuer: d.root, thisUpdate: start, nextUpdate }));
  }
  return { domains, workloads };
}

/** The same key pair under another kid (the kid names the key: derived from its public key). */
function newKeyPairWithKid(k: TokenKeyPair, kid: string): TokenKeyPair {
  return { ...k, kid, publicJwk: { ...k.publicJwk, kid } };
}
