/**
 * Stable paths of the demo PKI, relative to its directory (default "demo-pki"). Envoy configs,
 * docker-compose, the demo and the service's default configuration use these.
 */
import type { DemoDomainShort } from "./demo.js";

export const DEMO_PKI_DIR = "demo-pki";

export function demoDomainPaths(short: DemoDomainShort) {
  return {
    root: `${short}/root.pem`,
    intermediate: `${short}/intermediate.pem`,
    bundlePem: `${short}/bundle.pem`,
    bundleSpiffe: `${short}/bundle.spiffe.json`,
    crl: `${short}/crl.pem`,
    witIssuerKey: `${short}/wit/issuer-key.pem`,
    witJwks: `${short}/wit/jwks.json`,
  } as const;
}

export function demoWorkloadPaths(name: string) {
  return {
    cert: `workloads/${name}/cert.pem`,
    chain: `workloads/${name}/chain.pem`,
    key: `workloads/${name}/key.pem`,
  } as const;
}
