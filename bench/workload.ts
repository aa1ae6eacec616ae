/**
 * The bench workload: the demo PKI (in memory) with ~100 extra workload certificates issued by the
 * demo intermediate at start, its trust files written for the service, and a realistic mix of
 * CheckRequests (about 20 headers, the caller's URL-encoded leaf as Envoy sends it, allowed and
 * denied by the default policy) with the expected outcome of each.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { TrustDomainEntry } from "../src/config/types.js";
import { envoyUrlEncodePem } from "../src/demo/envoy-encoding.js";
import type { CheckRequest } from "../src/gen/envoy/service/auth/v3/external_auth.js";
import { type DemoPki, generateDemoPkiInMemory } from "../src/pki/demo.js";
import { issueCertificate } from "../src/pki/issue.js";
import type { ServerSetup } from "./servers.js";

export interface BenchRequest {
  request: CheckRequest;
  /** What the default policy must answer (checked once before measuring). */
  expectAllowed: boolean;
}

export interface Workload {
  trustDomains: TrustDomainEntry[];
  trustedProxies: string[];
  requests: BenchRequest[];
  identities: number;
}

/**
 * The workload, its trust files in `dir`/trust, and the servers' setup file `dir`/setup.json. The
 * audit file lives apart (`dir`/audit): the identity stage watches the trust files' directory, and
 * audit writes there would trigger reloads.
 */
export async function writeBenchSetup(
  dir: string,
  identities: number,
  policyDir: string,
): Promise<{ workload: Workload; setupFile: string }> {
  mkdirSync(join(dir, "trust"));
  mkdirSync(join(dir, "audit"));
  const workload = await buildWorkload(join(dir, "trust"), identities);
  const setup: ServerSetup = {
    trustDomains: workload.trustDomains,
    trustedProxies: workload.trustedProxies,
    policyDir,
    auditFile: join(dir, "audit", "audit.log"),
  };
  const setupFile = join(dir, "setup.json");
  writeFileSync(setupFile, JSON.stringify(setup));
  return { workload, setupFile };
}

const BACKEND = "spiffe://demo.wimse-authz.local/ns/demo/sa/backend";

/** Issues `identities` workload certificates and writes the trust files into `dir`. */
export async function buildWorkload(dir: string, identities: number): Promise<Workload> {
  const pki = await generateDemoPkiInMemory();
  const trustDomains = writeTrustFiles(pki, dir);
  const demo = pki.domains.demo;
  const callers: Array<{ id: string; cert: string }> = [];
  for (let i = 0; i < identities; i++) {
    const id = `spiffe://demo.wimse-authz.local/ns/bench/sa/w${i}`;
    const issued = await issueCertificate({
      subject: `CN=bench w${i}`,
      issuer: demo.intermediate,
      uris: [id],
    });
    callers.push({ id, cert: envoyUrlEncodePem(issued.pem) });
  }
  const frontend = pki.workloads.frontend;
  const requests: BenchRequest[] = [];
  callers.forEach((c, i) => {
    // trust-domain rule: any demo workload may GET /public/...; nothing lets it POST /api.
    requests.push({ request: checkRequest(c, "GET", `/public/items/${i}?page=2`, i), expectAllowed: true });
    requests.push({ request: checkRequest(c, "POST", `/api/orders/${i}`, i), expectAllowed: false });
    if (i % 10 === 0) {
      // ACL rule frontend-to-backend-api.
      const fe = { id: frontend.id, cert: envoyUrlEncodePem(frontend.cert.pem) };
      requests.push({ request: checkRequest(fe, "GET", `/api/orders/${i}`, i), expectAllowed: true });
    }
  });
  return {
    trustDomains,
    trustedProxies: [pki.workloads.middlebox.id],
    requests,
    identities: callers.length + 1,
  };
}

function writeTrustFiles(pki: DemoPki, dir: string): TrustDomainEntry[] {
  return Object.values(pki.domains).map((d) => {
    const file = (name: string, text: string) => {
      const p = join(dir, `${d.short}-${name}`);
      writeFileSync(p, text);
      return p;
    };
    return {
      trustDomain: d.trustDomain,
      bundleFile: file("bundle.pem", d.root.pem),
      intermediatesFile: file("intermediate.pem", d.intermediate.pem),
      crlFiles: [file("crl.pem", d.crls.map((c) => c.pem).join(""))],
      crlUrls: [],
    };
  });
}

/** A CheckRequest as Envoy's HTTP ext_authz filter sends it: 20 request headers. */
function checkRequest(
  caller: { id: string; cert: string },
  method: string,
  path: string,
  i: number,
): CheckRequest {
  const host = "backend.demo.svc.cluster.local";
  const trace = (i * 2654435761).toString(16).padStart(32, "0").slice(-32);
  const headers: Record<string, string> = {
    ":authority": host,
    ":method": method,
    ":path": path,
    ":scheme": "https",
    "user-agent": "bench-client/1.0 (linux; x64) node",
    accept: "application/json, text/plain, */*",
    "accept-encoding": "gzip, deflate, br",
    "accept-language": "en-US,en;q=0.9",
    "content-type": "application/json",
    "content-length": method === "POST" ? "57" : "0",
    "x-request-id": `bench-${i}-${method}`,
    "x-forwarded-proto": "https",
    "x-forwarded-for": `10.0.${i % 256}.7`,
    "x-envoy-expected-rq-timeout-ms": "15000",
    "x-envoy-internal": "true",
    traceparent: `00-${trace}-00f067aa0ba902b7-01`,
    tracestate: "vendor=opaque-value",
    "x-b3-sampled": "1",
    cookie: `session=${trace.slice(0, 16)}; theme=dark`,
    "cache-control": "no-cache",
  };
  return {
    attributes: {
      source: { address: undefined, service: "", labels: {}, principal: caller.id, certificate: caller.cert },
      destination: { address: undefined, service: "", labels: {}, principal: BACKEND, certificate: "" },
      request: {
        time: undefined,
        http: {
          id: `${i}`,
          method,
          headers,
          headerMap: undefined,
          path,
          host,
          scheme: "https",
          query: "",
          fragment: "",
          size: "0",
          protocol: "HTTP/2",
          body: "",
          rawBody: Buffer.alloc(0),
        },
      },
      contextExtensions: {},
      metadataContext: undefined,
      routeMetadataContext: undefined,
      tlsSession: undefined,
    },
  };
}
