/**
 * WIMSE credentials for the demo workloads, minted with the demo PKI's WIT issuers: a WIT for a
 * workload (with a fresh proof-of-possession key in cnf.jwk), then per request either a WPT or
 * HTTP Message Signature headers. Used by `wimse-authz tokens`, the local demo and the end-to-end
 * tests. Demo material only: real workloads get their WITs from their identity provider.
 */
import { createPrivateKey, randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { signRequest } from "../identity/tokens/http-sig/index.js";
import { mintWit, mintWpt, newKeyPair, type TokenKeyAlg, type TokenKeyPair } from "./tokens.js";
import type { DemoPkiManifest } from "./write.js";

export interface WorkloadWit {
  /** The workload identifier (the WIT's sub). */
  sub: string;
  /** The compact WIT (send it, never log it). */
  wit: string;
  /** The proof-of-possession key pair whose public half is the WIT's cnf.jwk. */
  cnf: TokenKeyPair;
  /** Issuer key id. */
  kid: string;
  jti: string;
  exp: number;
}

export class DemoTokenError extends Error {}

/** Mints a WIT for the demo workload `name` (signed by its trust domain's demo WIT issuer). */
export async function mintWorkloadWit(opts: {
  pkiDir: string;
  manifest: DemoPkiManifest;
  workload: string;
  /** Proof key algorithm (cnf.jwk.alg); default ES256. */
  alg?: TokenKeyAlg;
  lifetimeSeconds?: number;
  now?: Date;
}): Promise<WorkloadWit> {
  const w = opts.manifest.workloads[opts.workload];
  if (!w) {
    throw new DemoTokenError(
      `no demo workload ${JSON.stringify(opts.workload)} (known: ${Object.keys(opts.manifest.workloads).join(", ")})`,
    );
  }
  const td = Object.values(opts.manifest.trustDomains).find((d) => d.trustDomain === w.trustDomain);
  if (!td?.wit) {
    throw new DemoTokenError(
      `the demo PKI in ${opts.pkiDir} has no WIT issuer for ${w.trustDomain} (regenerate it: wimse-authz certs --force)`,
    );
  }
  const issuerKey = createPrivateKey(await readFile(join(opts.pkiDir, td.wit.issuerKey)));
  const cnf = newKeyPair(opts.alg ?? "ES256", "cnf");
  const now = opts.now ?? new Date();
  const lifetime = opts.lifetimeSeconds ?? 3600;
  const jti = randomBytes(12).toString("base64url");
  const wit = await mintWit({
    sub: w.id,
    key: issuerKey,
    kid: td.wit.kid,
    alg: td.wit.alg as TokenKeyAlg,
    cnfJwk: publicCnf(cnf),
    lifetimeSeconds: lifetime,
    iss: td.trustDomain,
    jti,
    now,
  });
  return { sub: w.id, wit, cnf, kid: td.wit.kid, jti, exp: Math.floor(now.getTime() / 1000) + lifetime };
}

/** cnf.jwk: the public key with its alg (no kid needed). */
function publicCnf(k: TokenKeyPair): Record<string, string> {
  const { kid: _kid, ...jwk } = k.publicJwk;
  return jwk;
}

export interface ProofRequest {
  method: string;
  /** Absolute URL of the request (the path and query are signed by http-sig). */
  url: string;
  /** The audience: one of the callee's target URIs (WPT aud / wimse-aud). */
  audience: string;
  body?: string | Uint8Array;
  /** Other request headers (covered by http-sig when the profile covers them). */
  headers?: Record<string, string>;
  lifetimeSeconds?: number;
  now?: Date;
}

/** The headers that authenticate one request with `wit`: WIT + WPT. */
export async function wptHeaders(wit: WorkloadWit, req: ProofRequest): Promise<Record<string, string>> {
  const authorization = req.headers?.authorization;
  const wpt = await mintWpt({
    wit: wit.wit,
    key: wit.cnf.privateKey,
    alg: wit.cnf.alg,
    aud: req.audience,
    lifetimeSeconds: req.lifetimeSeconds ?? 60,
    ...(authorization ? { accessToken: authorization.replace(/^\S+\s+/, "") } : {}),
    ...(req.now ? { now: req.now } : {}),
  });
  return { ...(req.headers ?? {}), "workload-identity-token": wit.wit, "workload-proof-token": wpt };
}

/** The headers that authenticate one request with `wit`: WIT + HTTP signature (+ Content-Digest). */
export function httpSigHeaders(wit: WorkloadWit, req: ProofRequest): Record<string, string> {
  const signed = signRequest({
    method: req.method,
    url: req.url,
    headers: req.headers ?? {},
    ...(req.body !== undefined ? { body: req.body } : {}),
    wit: wit.wit,
    privateKey: wit.cnf.privateKey,
    alg: wit.cnf.alg,
    audience: req.audience,
    lifetimeSeconds: req.lifetimeSeconds ?? 60,
    ...(req.now ? { now: req.now } : {}),
  });
  return signed.headers;
}
