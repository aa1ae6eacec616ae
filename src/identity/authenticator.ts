/**
 * The identity stage: from what Envoy forwards (CertificateEvidence) to a verified workload
 * identity, or a failure with a stable code. Never throws.
 *
 * 1. The direct peer's leaf (attributes.source.certificate, URL-encoded PEM of the leaf only) is
 *    verified: exactly one URI SAN, canonical identifier, the anchors, intermediates and CRLs of
 *    the identifier's own trust domain, RFC 5280 path validation with EKU and revocation.
 * 2. Forwarded-certificate headers (XFCC, Client-Cert) are honoured only when the verified peer is
 *    a configured trusted proxy; the forwarded certificate is verified the same way and returned
 *    as `identity`, with the peer as `proxy`. From any other peer they are denied (default) or
 *    ignored, as configured.
 */
import { VerifiedChainCache, type CacheStats } from "./cache.js";
import type { AuthenticatorConfig } from "./config.js";
import { decodeUrlEncodedPem } from "./pem.js";
import { extractForwardedCert, type ForwardedCert, forwardedHeaderNames } from "./sources/forwarded.js";
import { TrustStore } from "./trust-store.js";
import type { AuthResult, CertificateEvidence, VerifiedIdentity } from "./types.js";
import { type VerifiedCert, type VerifyContext, verifyCertificate } from "./verify-cert.js";
import { parseWorkloadId } from "./id/index.js";
import { DEFAULT_MAX_DEPTH, type ParsedCert, tryParseDer } from "./x509/index.js";

export interface Authenticator {
  authenticate(evidence: CertificateEvidence, now?: Date): AuthResult;
  /** Resolves when every trust bundle, intermediate set and CRL source has loaded once. */
  ready(): Promise<void>;
  /** Verified-chain cache counters (exported as metrics by the server). */
  cacheStats(): CacheStats;
  /** Drops every cached verdict. */
  flushCache(): void;
  /** Closes every configured source. */
  close(): void;
}

export class AuthenticatorConfigError extends Error {
  override readonly name = "AuthenticatorConfigError";
  readonly code = "identity_config_invalid";
}

/** Insertion-ordered map dropping its oldest entry beyond `max` entries. */
class BoundedMemo<K, V> {
  private readonly map = new Map<K, V>();
  constructor(private readonly max: number) {}
  get(key: K): V | undefined {
    return this.map.get(key);
  }
  set(key: K, value: V): void {
    if (this.max <= 0) return;
    this.map.set(key, value);
    if (this.map.size > this.max) {
      const oldest = this.map.keys().next().value;
      if (oldest !== undefined) this.map.delete(oldest);
    }
  }
}

/**
 * The parsed certificate of a URL-encoded PEM text, by the text. Each request brings the text as
 * a new string, so a Map keyed by the whole text would hash all of it (~1.7 KB) per request: here
 * the key is its last TAIL characters (the end of the signature and the PEM trailer), and a hit
 * still requires the whole text to be equal. Two texts with the same tail share a slot (the later
 * one replaces the earlier): a miss, never a wrong certificate.
 */
class CertificateMemo {
  private readonly memo: BoundedMemo<string, { text: string; cert: ParsedCert }>;
  constructor(max: number) {
    this.memo = new BoundedMemo(max);
  }
  get(text: string): ParsedCert | undefined {
    const e = this.memo.get(tailOf(text));
    return e !== undefined && e.text === text ? e.cert : undefined;
  }
  set(text: string, cert: ParsedCert): void {
    this.memo.set(tailOf(text), { text, cert });
  }
}

const TAIL = 96;
const tailOf = (text: string) => (text.length <= TAIL ? text : text.slice(text.length - TAIL));

type Failure = Extract<AuthResult, { ok: false }>;

/** A forwarded-certificate extraction with its certificates parsed (memoised per header value). */
type ForwardedParsed =
  | { kind: "absent" }
  | { kind: "failed"; failure: Failure }
  | { kind: "cert"; cert: ForwardedCert; leaf: ParsedCert; chain: ParsedCert[] };

function failure(code: string, message: string, proxy?: VerifiedIdentity): Failure {
  return proxy ? { ok: false, code, message, proxy } : { ok: false, code, message };
}

/**
 * The identity of a verified certificate, built once per cached verdict and method: a cache hit
 * returns the same VerifiedCert object, so the per-request copy is skipped (and the result is
 * frozen, as it is shared between requests).
 */
const identities = new WeakMap<VerifiedCert, Map<VerifiedIdentity["method"], VerifiedIdentity>>();

function identityOf(v: VerifiedCert, method: VerifiedIdentity["method"]): VerifiedIdentity {
  let byMethod = identities.get(v);
  if (!byMethod) {
    byMethod = new Map();
    identities.set(v, byMethod);
  }
  let identity = byMethod.get(method);
  if (!identity) {
    identity = Object.freeze({ ...v.id, method, certificate: v.certificate });
    byMethod.set(method, identity);
  }
  return identity;
}

function parseCerts(ders: readonly Buffer[]): { ok: true; certs: ParsedCert[] } | Failure {
  const certs: ParsedCert[] = [];
  for (const der of ders) {
    const r = tryParseDer(der);
    if (!r.ok) return failure(r.error.code, r.error.message);
    certs.push(r.cert);
  }
  return { ok: true, certs };
}

export function createAuthenticator(config: AuthenticatorConfig): Authenticator {
  const trustedProxies = new Set<string>();
  for (const p of config.trustedProxies ?? []) {
    try {
      trustedProxies.add(parseWorkloadId(p, { allowIpTrustDomain: config.allowIpTrustDomains }).id);
    } catch (e) {
      throw new AuthenticatorConfigError(`trustedProxies: ${JSON.stringify(p)}: ${(e as Error).message}`);
    }
  }
  const untrusted = config.forwardedCertFromUntrusted ?? "deny";
  if (untrusted !== "deny" && untrusted !== "ignore") {
    throw new AuthenticatorConfigError(`forwardedCertFromUntrusted must be "deny" or "ignore"`);
  }
  const cache = new VerifiedChainCache<VerifiedCert>(config.cache?.maxEntries ?? 10_000);
  const store = new TrustStore(config.trustDomains, () => cache.flush());
  const ctx: VerifyContext = {
    store,
    cache,
    eku: config.eku ?? "clientAuth-if-present",
    allowIpTrustDomains: config.allowIpTrustDomains ?? false,
    maxChainDepth: config.maxChainDepth ?? DEFAULT_MAX_DEPTH,
    staleCrl: config.staleCrl ?? "deny",
    missingCrl: config.missingCrl ?? "allow",
  };
  const forwardedOpts = { xfcc: config.xfcc, maxChain: config.maxForwardedChain };
  // Envoy sends the same URL-encoded PEM for every request of a connection: decoding and parsing
  // it once saves most of the hot path. Deterministic (same text, same certificate); bounded in
  // entries and in key size (at most 4096 x 16 KiB).
  const decoded = new CertificateMemo(config.cache?.maxEntries === 0 ? 0 : 4096);
  // Same for the forwarded-certificate headers of a middlebox's client (headers up to 16 KiB):
  // extraction, decoding and DER parsing happen once per distinct header value.
  const memoSize = config.cache?.maxEntries === 0 ? 0 : 1024;
  const forwardedMemo = new BoundedMemo<string, ForwardedParsed>(memoSize);
  // The common case, XFCC alone, is keyed by the header value itself: building a composite key
  // copied the whole header (9 KB for 10 elements) on every request.
  const xfccOnlyMemo = new BoundedMemo<string, ForwardedParsed>(memoSize);
  const forwarded = (headers: Readonly<Record<string, string>>): ForwardedParsed => {
    const x = headers["x-forwarded-client-cert"];
    const c = headers["client-cert"];
    const cc = headers["client-cert-chain"];
    const xfccOnly = x !== undefined && c === undefined && cc === undefined;
    // Otherwise an injective key (length-prefixed parts): an absent header and an empty one never
    // share an entry. The two memos never share keys.
    const memo = xfccOnly ? xfccOnlyMemo : forwardedMemo;
    const key = xfccOnly
      ? x
      : `${x?.length ?? -1}:${x ?? ""}${c?.length ?? -1}:${c ?? ""}${cc?.length ?? -1}:${cc ?? ""}`;
    const hit = memo.get(key);
    if (hit) return hit;
    const fwd = extractForwardedCert(headers, forwardedOpts);
    let r: ForwardedParsed;
    if (!fwd.present) r = { kind: "absent" };
    else if (!fwd.ok) r = { kind: "failed", failure: failure(fwd.code, fwd.message) };
    else {
      const leaf = parseCerts([fwd.cert.leaf]);
      const chain = parseCerts(fwd.cert.chain);
      if (!leaf.ok)
        r = { kind: "failed", failure: failure(leaf.code, `forwarded certificate: ${leaf.message}`) };
      else if (!chain.ok)
        r = { kind: "failed", failure: failure(chain.code, `forwarded chain: ${chain.message}`) };
      else r = { kind: "cert", cert: fwd.cert, leaf: leaf.certs[0] as ParsedCert, chain: chain.certs };
    }
    if (key.length <= 16_384) memo.set(key, r);
    return r;
  };

  const verifyDirectPeer = (sourceCertificate: string | undefined, now: Date): VerifiedIdentity | Failure => {
    if (sourceCertificate === undefined || sourceCertificate === "") {
      return failure("no_certificate", "the peer presented no client certificate");
    }
    let leaf = decoded.get(sourceCertificate);
    if (!leaf) {
      const pem = decodeUrlEncodedPem(sourceCertificate);
      if (!pem.ok) return failure("certificate_malformed", `source certificate: ${pem.message}`);
      if (pem.ders.length !== 1) {
        return failure("certificate_malformed", "source certificate must be exactly one PEM certificate");
      }
      const parsed = parseCerts(pem.ders);
      if (!parsed.ok) return parsed;
      leaf = parsed.certs[0] as ParsedCert;
      if (sourceCertificate.length <= 16_384) decoded.set(sourceCertificate, leaf);
    }
    const r = verifyCertificate(ctx, leaf, [], now);
    return r.ok ? identityOf(r.value, "mtls") : failure(r.code, r.message);
  };

  const authenticateOrThrow = (evidence: CertificateEvidence, now: Date): AuthResult => {
    const peer = verifyDirectPeer(evidence.sourceCertificate, now);
    if ("ok" in peer) return peer;
    const headers = evidence.headers ?? {};
    const present = forwardedHeaderNames(headers);
    if (present.length === 0) return { ok: true, identity: peer };

    if (!trustedProxies.has(peer.id)) {
      if (untrusted === "ignore") return { ok: true, identity: peer };
      const code = present.includes("x-forwarded-client-cert")
        ? "xfcc_untrusted_peer"
        : "client_cert_untrusted_peer";
      return failure(code, `${present.join(", ")} sent by ${peer.id}, which is not a trusted proxy`, peer);
    }

    const fwd = forwarded(headers);
    if (fwd.kind === "absent") return { ok: true, identity: peer };
    if (fwd.kind === "failed") return failure(fwd.failure.code, fwd.failure.message, peer);
    const cert = fwd.cert;
    if (cert.by.length > 0 && !cert.by.includes(peer.id)) {
      return failure("xfcc_by_mismatch", `XFCC By does not name the direct peer ${peer.id}`, peer);
    }
    const r = verifyCertificate(ctx, fwd.leaf, fwd.chain, now);
    if (!r.ok) return failure(r.code, `forwarded certificate: ${r.message}`, peer);
    const nonEmptyUris = cert.uris.filter((u) => u !== "");
    if (nonEmptyUris.length > 0 && !nonEmptyUris.every((u) => u === r.value.id.id)) {
      return failure("xfcc_uri_mismatch", "XFCC URI does not match the forwarded certificate", peer);
    }
    return { ok: true, identity: identityOf(r.value, cert.method), proxy: peer };
  };

  return {
    authenticate(evidence, now = new Date()) {
      try {
        return authenticateOrThrow(evidence, now);
      } catch (e) {
        // Defensive: a bug must deny with a code, never escape or accept.
        return failure("identity_internal_error", e instanceof Error ? e.message : String(e));
      }
    },
    async ready() {
      const waits: Promise<unknown>[] = [];
      for (const d of store.domains()) {
        waits.push(d.bundles.ready());
        if (d.intermediates) waits.push(d.intermediates.ready());
        if (d.crls) waits.push(d.crls.ready());
      }
      await Promise.all(waits);
    },
    cacheStats: () => cache.stats(),
    flushCache: () => cache.flush(),
    close() {
      for (const d of store.domains()) {
        d.bundles.close();
        d.intermediates?.close();
        d.crls?.close();
      }
    },
  };
}
