/**
 * Public JWKs as this stage accepts them (WIT issuer keys and WIT cnf.jwk): asymmetric only (EC
 * P-256/P-384, OKP Ed25519, RSA of at least 2048 bits), no private members, and a key type that
 * fits the algorithm. Never throws: every problem is a reason string.
 */
import { createPublicKey, type KeyObject } from "node:crypto";
import { shown } from "./jws.js";

/** Members that only a private or symmetric JWK has (RFC 7518 §6.2.2, §6.3.2, §6.4; RFC 8037 §2). */
const PRIVATE_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"] as const;

export const MIN_RSA_BITS = 2048;

/** The key type and curve each supported algorithm needs. */
const ALG_KEY: Readonly<Record<string, { kty: string; crv?: string }>> = {
  ES256: { kty: "EC", crv: "P-256" },
  ES384: { kty: "EC", crv: "P-384" },
  EdDSA: { kty: "OKP", crv: "Ed25519" },
  PS256: { kty: "RSA" },
  RS256: { kty: "RSA" },
};

export interface ImportedJwk {
  readonly kty: string;
  readonly crv?: string;
  readonly key: KeyObject;
}

export type JwkResult =
  | { ok: true; jwk: ImportedJwk }
  | { ok: false; reason: "private" | "invalid"; message: string };

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Imports a public JWK of a supported asymmetric key type. */
export function importPublicJwk(value: unknown): JwkResult {
  if (!isRecord(value)) return { ok: false, reason: "invalid", message: "the JWK is not an object" };
  for (const m of PRIVATE_MEMBERS) {
    if (m in value) return { ok: false, reason: "private", message: `the JWK has the private member "${m}"` };
  }
  const kty = value.kty;
  const crv = value.crv;
  if (kty === "EC") {
    if (crv !== "P-256" && crv !== "P-384")
      return { ok: false, reason: "invalid", message: "unsupported EC curve" };
    if (typeof value.x !== "string" || typeof value.y !== "string") {
      return { ok: false, reason: "invalid", message: "an EC JWK needs x and y" };
    }
  } else if (kty === "OKP") {
    if (crv !== "Ed25519") return { ok: false, reason: "invalid", message: "unsupported OKP curve" };
    if (typeof value.x !== "string") return { ok: false, reason: "invalid", message: "an OKP JWK needs x" };
  } else if (kty === "RSA") {
    if (typeof value.n !== "string" || typeof value.e !== "string") {
      return { ok: false, reason: "invalid", message: "an RSA JWK needs n and e" };
    }
  } else {
    return { ok: false, reason: "invalid", message: `unsupported key type ${shown(kty)}` };
  }
  let key: KeyObject;
  try {
    const members: Record<string, string> = { kty };
    for (const m of ["crv", "x", "y", "n", "e"])
      if (typeof value[m] === "string") members[m] = value[m] as string;
    key = createPublicKey({ key: members, format: "jwk" });
  } catch {
    return { ok: false, reason: "invalid", message: "the JWK does not describe a valid public key" };
  }
  if (kty === "RSA") {
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < MIN_RSA_BITS) {
      return { ok: false, reason: "invalid", message: `RSA keys need at least ${MIN_RSA_BITS} bits` };
    }
  }
  return { ok: true, jwk: { kty, crv: typeof crv === "string" ? crv : undefined, key } };
}

/** Undefined when `alg` can be used with a key of this type and curve, else the reason. */
export function algKeyMismatch(alg: string, jwk: { kty: string; crv?: string }): string | undefined {
  const need = ALG_KEY[alg];
  if (!need) return `unsupported algorithm ${alg}`;
  if (need.kty !== jwk.kty || (need.crv !== undefined && need.crv !== jwk.crv)) {
    return `${alg} needs a ${need.kty}${need.crv ? ` ${need.crv}` : ""} key, not ${jwk.kty}${jwk.crv ? ` ${jwk.crv}` : ""}`;
  }
  return undefined;
}
