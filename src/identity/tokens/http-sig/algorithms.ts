/**
 * JOSE signature algorithms applied to an RFC 9421 signature base (RFC 9421 §3.3.7): the base is
 * the whole "JWS Signing Input", not base64-encoded, and the signature is the raw JWS signature
 * bytes: ECDSA as r||s, each zero-padded to the curve size (RFC 7518 §3.4, the same encoding as
 * RFC 9421 §3.3.4-3.3.5); PS256 is RSASSA-PSS with SHA-256, MGF1-SHA-256 and a 32-byte salt
 * (RFC 7518 §3.5); RS256 is RSASSA-PKCS1-v1_5 with SHA-256; EdDSA is Ed25519/Ed448 without pre-hash,
 * and RFC 9864's fully-specified Ed25519 / Ed448 are the same with the curve fixed.
 *
 * The algorithm always comes from the WIT's cnf.jwk.alg, and the key must suit it (curve, type,
 * RSA size >= 2048): a key that does not is refused before any verification.
 */
import { constants, type KeyObject, sign, verify } from "node:crypto";

interface AlgorithmSpec {
  /** Node digest name, or null for EdDSA (no pre-hash). */
  readonly hash: string | null;
  readonly keyTypes: readonly string[];
  readonly curve?: string;
  readonly options: Record<string, unknown>;
  /** Exact signature length in bytes, when fixed by the algorithm. */
  readonly signatureLength?: number;
  /** RFC 9421 §6.2 registry name of the same algorithm, when one exists. */
  readonly httpSigName?: string;
}

const MIN_RSA_BITS = 2048;

const ALGORITHMS: Readonly<Record<string, AlgorithmSpec>> = {
  ES256: {
    hash: "sha256",
    keyTypes: ["ec"],
    curve: "prime256v1",
    options: { dsaEncoding: "ieee-p1363" },
    signatureLength: 64,
    httpSigName: "ecdsa-p256-sha256",
  },
  ES384: {
    hash: "sha384",
    keyTypes: ["ec"],
    curve: "secp384r1",
    options: { dsaEncoding: "ieee-p1363" },
    signatureLength: 96,
    httpSigName: "ecdsa-p384-sha384",
  },
  EdDSA: { hash: null, keyTypes: ["ed25519", "ed448"], options: {} },
  // RFC 9864 fully-specified replacements of the polymorphic EdDSA (newer WIMSE examples use them).
  Ed25519: { hash: null, keyTypes: ["ed25519"], options: {}, httpSigName: "ed25519" },
  Ed448: { hash: null, keyTypes: ["ed448"], options: {} },
  RS256: {
    hash: "sha256",
    keyTypes: ["rsa"],
    options: { padding: constants.RSA_PKCS1_PADDING },
    httpSigName: "rsa-v1_5-sha256",
  },
  PS256: {
    hash: "sha256",
    keyTypes: ["rsa", "rsa-pss"],
    options: { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 },
  },
};

export const HTTP_SIG_ALGORITHMS: readonly string[] = Object.keys(ALGORITHMS);

/** The RFC 9421 registry name equivalent to a JOSE algorithm (EdDSA: "ed25519" for an Ed25519 key). */
export function httpSigAlgorithmName(jwsAlg: string, key: KeyObject): string | undefined {
  if (jwsAlg === "EdDSA") return key.asymmetricKeyType === "ed25519" ? "ed25519" : undefined;
  return Object.hasOwn(ALGORITHMS, jwsAlg) ? ALGORITHMS[jwsAlg]!.httpSigName : undefined;
}

/** Why `key` cannot be used with `alg`, or undefined when it can. */
export function keyUnsuitability(alg: string, key: KeyObject): string | undefined {
  if (!Object.hasOwn(ALGORITHMS, alg)) return `algorithm ${alg} is not supported`;
  const spec = ALGORITHMS[alg]!;
  if (key.type === "secret") return "a symmetric key cannot verify a proof";
  const type = key.asymmetricKeyType ?? "";
  if (!spec.keyTypes.includes(type)) return `a ${type || "unknown"} key does not suit ${alg}`;
  const details = key.asymmetricKeyDetails ?? {};
  if (spec.curve && details.namedCurve !== spec.curve) return `the key's curve does not suit ${alg}`;
  if (type.startsWith("rsa") && (details.modulusLength ?? 0) < MIN_RSA_BITS) {
    return `RSA keys shorter than ${MIN_RSA_BITS} bits are refused`;
  }
  return undefined;
}

/** Verifies `signature` over `data`. Never throws: any error is a failed verification. */
export function verifySignature(
  alg: string,
  key: KeyObject,
  data: Uint8Array,
  signature: Uint8Array,
): boolean {
  if (keyUnsuitability(alg, key) !== undefined) return false;
  const spec = ALGORITHMS[alg]!;
  if (spec.signatureLength !== undefined && signature.length !== spec.signatureLength) return false;
  try {
    return verify(spec.hash, data, { key, ...spec.options }, signature);
  } catch {
    return false;
  }
}

/** Signs `data` with a private key (signer side). Throws on an unsuitable key or algorithm. */
export function signData(alg: string, privateKey: KeyObject, data: Uint8Array): Uint8Array {
  const why = keyUnsuitability(alg, privateKey);
  if (why !== undefined) throw new Error(`http-sig: ${why}`);
  if (privateKey.type !== "private") throw new Error("http-sig: signing needs a private key");
  const spec = ALGORITHMS[alg]!;
  return new Uint8Array(sign(spec.hash, data, { key: privateKey, ...spec.options }));
}
