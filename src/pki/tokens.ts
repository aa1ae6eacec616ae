/**
 * Minting WIMSE application-level credentials for tests, the demo and the CLI: key pairs, Workload
 * Identity Tokens (WIT, typ "wit+jwt"), Workload Proof Tokens (WPT, typ "wpt+jwt"), and the WIT
 * issuer's public keys as a JWK Set or SPIFFE bundle JSON ("jwt-svid" entries).
 *
 * Claim shapes follow draft-ietf-wimse-workload-creds (WIT) and draft-ietf-wimse-wpt-02 (WPT):
 * wth/ath/tth = base64url(SHA-256(ASCII(token))); oth = { lower-case header name: hash of the
 * trimmed header value }. Signing uses jose.
 */
import { createHash, createPublicKey, generateKeyPairSync, type KeyObject, randomBytes } from "node:crypto";
import { CompactSign } from "jose";

export type TokenKeyAlg = "ES256" | "ES384" | "EdDSA" | "PS256" | "RS256";

/** A public JWK as written into cnf.jwk, JWK Sets and SPIFFE bundles. */
export type PublicJwk = Record<string, string>;

export interface TokenKeyPair {
  readonly alg: TokenKeyAlg;
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** Public JWK with `alg` and `kid` set (RFC 7517). */
  readonly publicJwk: PublicJwk;
}

/** A fresh key pair for `alg` (RSA: 2048 bits). The kid defaults to 16 random bytes, base64url. */
export function newKeyPair(alg: TokenKeyAlg, kid = randomBytes(16).toString("base64url")): TokenKeyPair {
  let pair: { privateKey: KeyObject; publicKey: KeyObject };
  switch (alg) {
    case "ES256":
      pair = generateKeyPairSync("ec", { namedCurve: "P-256" });
      break;
    case "ES384":
      pair = generateKeyPairSync("ec", { namedCurve: "P-384" });
      break;
    case "EdDSA":
      pair = generateKeyPairSync("ed25519");
      break;
    case "PS256":
    case "RS256":
      pair = generateKeyPairSync("rsa", { modulusLength: 2048 });
      break;
    default:
      throw new Error(`unsupported algorithm ${String(alg)}`);
  }
  return { alg, kid, ...pair, publicJwk: publicJwk(pair.publicKey, alg, kid) };
}

/** The public JWK of `key` (a public or private KeyObject) with `alg` (and `kid` when given). */
export function publicJwk(key: KeyObject, alg: string, kid?: string): PublicJwk {
  const pub = key.type === "private" ? createPublicKey(key) : key;
  const jwk = pub.export({ format: "jwk" }) as Record<string, string>;
  const out: PublicJwk = {};
  for (const [k, v] of Object.entries(jwk)) if (typeof v === "string") out[k] = v;
  out.alg = alg;
  if (kid !== undefined) out.kid = kid;
  return out;
}

/** base64url(SHA-256(ASCII(value))): wth, ath, tth and oth values. */
export function tokenHash(value: string): string {
  return createHash("sha256").update(value, "ascii").digest("base64url");
}

function epoch(d: Date): number {
  return Math.floor(d.getTime() / 1000);
}

export interface MintWitOptions {
  /** Workload identifier (the `sub`). */
  sub: string;
  /** The trust domain's WIT signing key (private). */
  key: KeyObject;
  kid: string;
  alg: TokenKeyAlg;
  /** Public JWK of the workload's proof key; must carry `alg`. */
  cnfJwk: PublicJwk;
  /** Absolute expiry (epoch seconds); else now + lifetimeSeconds (default 3600). */
  exp?: number;
  lifetimeSeconds?: number;
  iss?: string;
  jti?: string;
  /** `iat` (default now; false omits it). */
  iat?: number | false;
  nbf?: number;
  now?: Date;
  /** Test hooks: override the JOSE header `typ` (default "wit+jwt") and add header/claims. */
  typ?: string;
  extraHeader?: Record<string, unknown>;
  extraClaims?: Record<string, unknown>;
}

/** Signs a WIT (compact JWS). */
export async function mintWit(o: MintWitOptions): Promise<string> {
  const now = epoch(o.now ?? new Date());
  const claims: Record<string, unknown> = {
    sub: o.sub,
    exp: o.exp ?? now + (o.lifetimeSeconds ?? 3600),
    cnf: { jwk: o.cnfJwk },
  };
  if (o.iat !== false) claims.iat = o.iat ?? now;
  if (o.nbf !== undefined) claims.nbf = o.nbf;
  if (o.iss !== undefined) claims.iss = o.iss;
  if (o.jti !== undefined) claims.jti = o.jti;
  Object.assign(claims, o.extraClaims);
  return signJwt({ typ: o.typ ?? "wit+jwt", alg: o.alg, kid: o.kid, ...o.extraHeader }, claims, o.key);
}

export interface MintWptOptions {
  /** The WIT this proof goes with (its hash becomes `wth`). */
  wit: string;
  /** The workload's proof private key (the one in the WIT's cnf.jwk). */
  key: KeyObject;
  /** Must equal the WIT's cnf.jwk.alg. */
  alg: TokenKeyAlg;
  /** The target URI of the request (no query or fragment), or several. */
  aud: string | string[];
  exp?: number;
  /** Default 60 s. */
  lifetimeSeconds?: number;
  /** Default 16 random bytes, base64url. */
  jti?: string;
  /** The access token sent in Authorization (its value, without the scheme): sets `ath`. */
  accessToken?: string;
  /** The Txn-Token header value: sets `tth`. */
  txnToken?: string;
  /** Other token headers (lower-case name -> value): sets `oth`. */
  otherTokens?: Record<string, string>;
  iat?: number | false;
  now?: Date;
  typ?: string;
  extraHeader?: Record<string, unknown>;
  /** Added last: can override any claim (tests). */
  extraClaims?: Record<string, unknown>;
}

/** Signs a WPT (compact JWS) bound to `wit`. */
export async function mintWpt(o: MintWptOptions): Promise<string> {
  const now = epoch(o.now ?? new Date());
  const claims: Record<string, unknown> = {
    aud: o.aud,
    exp: o.exp ?? now + (o.lifetimeSeconds ?? 60),
    jti: o.jti ?? randomBytes(16).toString("base64url"),
    wth: tokenHash(o.wit),
  };
  if (o.iat !== false) claims.iat = o.iat ?? now;
  if (o.accessToken !== undefined) claims.ath = tokenHash(o.accessToken);
  if (o.txnToken !== undefined) claims.tth = tokenHash(o.txnToken);
  if (o.otherTokens !== undefined) {
    const oth: Record<string, string> = {};
    for (const [name, value] of Object.entries(o.otherTokens))
      oth[name.toLowerCase()] = tokenHash(value.trim());
    claims.oth = oth;
  }
  Object.assign(claims, o.extraClaims);
  return signJwt({ typ: o.typ ?? "wpt+jwt", alg: o.alg, ...o.extraHeader }, claims, o.key);
}

/** Signs any JWT with jose (header must carry `alg`). */
export async function signJwt(
  header: Record<string, unknown>,
  claims: Record<string, unknown>,
  key: KeyObject,
): Promise<string> {
  return new CompactSign(new TextEncoder().encode(JSON.stringify(claims)))
    .setProtectedHeader(header as { alg: string })
    .sign(key);
}

/** A JWK Set of WIT issuer public keys (each with kid, alg and use "sig"). */
export function formatWitJwks(keys: readonly { publicJwk: PublicJwk }[]): string {
  return `${JSON.stringify({ keys: keys.map((k) => ({ use: "sig", ...k.publicJwk })) }, null, 2)}\n`;
}

/**
 * SPIFFE bundle JSON carrying WIT issuer public keys as `use: "jwt-svid"` entries (with kid), plus
 * optional X.509 entries already formatted (e.g. from formatSpiffeBundle) and sequence/refresh hint.
 */
export function formatWitSpiffeBundle(
  keys: readonly { publicJwk: PublicJwk }[],
  opts: { sequence?: number; refreshHint?: number; x509Entries?: readonly object[] } = {},
): string {
  const doc: Record<string, unknown> = {
    keys: [...(opts.x509Entries ?? []), ...keys.map((k) => ({ use: "jwt-svid", ...k.publicJwk }))],
  };
  if (opts.sequence !== undefined) doc.spiffe_sequence = opts.sequence;
  if (opts.refreshHint !== undefined) doc.spiffe_refresh_hint = opts.refreshHint;
  return `${JSON.stringify(doc, null, 2)}\n`;
}
