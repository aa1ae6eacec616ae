/**
 * Signature algorithms and public keys: what we accept (ECDSA P-256/P-384/P-521, RSA >= 2048 with
 * PKCS#1 v1.5 or PSS over SHA-256/384/512, Ed25519, Ed448) and verification with node:crypto.
 * SHA-1 and MD5 signatures are weak; DSA and anything unknown is unsupported.
 */
import {
  createPublicKey,
  type KeyObject,
  constants as cryptoConstants,
  verify as cryptoVerify,
} from "node:crypto";
import { DerReader, decodeOid, decodeSmallInt, readOne, type Tlv } from "./der.js";
import { X509Error } from "./errors.js";
import { ALG } from "./oids.js";

export type HashName = "sha256" | "sha384" | "sha512";

export type SignatureAlgorithm =
  | { kind: "rsa-pkcs1"; hash: HashName }
  | { kind: "rsa-pss"; hash: HashName; saltLength: number }
  | { kind: "ecdsa"; hash: HashName }
  | { kind: "eddsa"; curve: "ed25519" | "ed448" };

/** Minimum RSA modulus; maximum keeps verification cost bounded. */
export const MIN_RSA_BITS = 2048;
export const MAX_RSA_BITS = 8192;

const HASH_BY_OID: Record<string, HashName> = {
  [ALG.sha256]: "sha256",
  [ALG.sha384]: "sha384",
  [ALG.sha512]: "sha512",
};

const WEAK = new Set<string>([ALG.md5WithRSA, ALG.sha1WithRSA, ALG.ecdsaWithSha1, ALG.dsaWithSha1]);

function noParamsOrNull(r: DerReader, allowNull: boolean, what: string): void {
  if (r.done) return;
  const p = r.read();
  if (!allowNull || p.tag !== 0x05 || p.value.length !== 0)
    throw new X509Error("x509_malformed", `${what}: bad parameters`);
  r.end(what);
}

function decodeHashAlg(tlv: Tlv, what: string): HashName {
  const r = new DerReader(tlv.value);
  const oid = decodeOid(r.read(0x06));
  noParamsOrNull(r, true, what);
  const h = HASH_BY_OID[oid];
  if (oid === ALG.sha1) throw new X509Error("x509_weak_algorithm", `${what}: SHA-1`);
  if (!h) throw new X509Error("x509_unsupported_algorithm", `${what}: hash ${oid}`);
  return h;
}

function decodePssParams(r: DerReader): { hash: HashName; saltLength: number } {
  const params = r.read(0x30);
  r.end("RSASSA-PSS AlgorithmIdentifier");
  const p = new DerReader(params.value);
  const hashTlv = p.readOptional(0xa0);
  const mgfTlv = p.readOptional(0xa1);
  const saltTlv = p.readOptional(0xa2);
  const trailerTlv = p.readOptional(0xa3);
  p.end("RSASSA-PSS-params");
  if (!hashTlv || !mgfTlv) throw new X509Error("x509_weak_algorithm", "RSASSA-PSS with default (SHA-1) hash");
  const hash = decodeHashAlg(readOne(hashTlv.value, 0x30, "PSS hashAlgorithm"), "PSS hash");
  const mgf = new DerReader(readOne(mgfTlv.value, 0x30, "PSS maskGenAlgorithm").value);
  if (decodeOid(mgf.read(0x06)) !== ALG.mgf1)
    throw new X509Error("x509_unsupported_algorithm", "PSS mask generation is not MGF1");
  const mgfHash = decodeHashAlg(mgf.read(0x30), "MGF1 hash");
  mgf.end("MGF1 parameters");
  if (mgfHash !== hash)
    throw new X509Error("x509_unsupported_algorithm", "PSS MGF1 hash differs from the message hash");
  const saltLength = saltTlv ? decodeSmallInt(readOne(saltTlv.value, 0x02, "PSS saltLength")) : 20;
  if (trailerTlv && decodeSmallInt(readOne(trailerTlv.value, 0x02, "PSS trailerField")) !== 1) {
    throw new X509Error("x509_malformed", "PSS trailerField must be 1");
  }
  return { hash, saltLength };
}

/** Decodes a signature AlgorithmIdentifier (the whole SEQUENCE). */
export function decodeSignatureAlgorithm(seq: Tlv): SignatureAlgorithm {
  const r = new DerReader(seq.value);
  const oid = decodeOid(r.read(0x06));
  if (WEAK.has(oid)) throw new X509Error("x509_weak_algorithm", `weak signature algorithm ${oid}`);
  switch (oid) {
    case ALG.sha256WithRSA:
    case ALG.sha384WithRSA:
    case ALG.sha512WithRSA:
      noParamsOrNull(r, true, "RSA signature algorithm");
      return {
        kind: "rsa-pkcs1",
        hash: oid === ALG.sha256WithRSA ? "sha256" : oid === ALG.sha384WithRSA ? "sha384" : "sha512",
      };
    case ALG.ecdsaWithSha256:
    case ALG.ecdsaWithSha384:
    case ALG.ecdsaWithSha512:
      noParamsOrNull(r, false, "ECDSA signature algorithm");
      return {
        kind: "ecdsa",
        hash: oid === ALG.ecdsaWithSha256 ? "sha256" : oid === ALG.ecdsaWithSha384 ? "sha384" : "sha512",
      };
    case ALG.ed25519:
    case ALG.ed448:
      noParamsOrNull(r, false, "EdDSA signature algorithm");
      return { kind: "eddsa", curve: oid === ALG.ed25519 ? "ed25519" : "ed448" };
    case ALG.rsassaPss:
      return { kind: "rsa-pss", ...decodePssParams(r) };
    default:
      throw new X509Error("x509_unsupported_algorithm", `unsupported signature algorithm ${oid}`);
  }
}

export type KeyKind = "rsa" | "ec" | "ed25519" | "ed448";

export interface PublicKeyInfo {
  kind: KeyKind;
  key: KeyObject;
  /** RSA modulus bits or EC curve name, for messages and facts. */
  detail: string;
}

const CURVES = new Set(["prime256v1", "secp384r1", "secp521r1"]);
const CURVE_OIDS = new Set<string>([ALG.p256, ALG.p384, ALG.p521]);

/** RSAPublicKey modulus size in bits, from the DER. */
function rsaBits(key: Uint8Array): number {
  const r = new DerReader(readOne(key, 0x30, "RSAPublicKey").value);
  let n = r.read(0x02).value;
  r.read(0x02);
  r.end("RSAPublicKey");
  while (n.length > 0 && n[0] === 0) n = n.subarray(1);
  if (n.length === 0) return 0;
  return (n.length - 1) * 8 + (32 - Math.clz32(n[0] as number));
}

/**
 * The key-policy part of importPublicKey, from the DER alone (no key import): algorithm, curve
 * and RSA size. Returns the reason a key is not acceptable, or undefined.
 */
export function checkSpki(spki: Uint8Array): X509Error | undefined {
  try {
    const r = new DerReader(readOne(spki, 0x30, "SubjectPublicKeyInfo").value);
    const alg = new DerReader(r.read(0x30).value);
    const oid = decodeOid(alg.read(0x06));
    const bits = r.read(0x03);
    r.end("SubjectPublicKeyInfo");
    if (bits.value[0] !== 0) return new X509Error("x509_malformed", "public key BIT STRING has unused bits");
    const key = bits.value.subarray(1);
    switch (oid) {
      case ALG.rsaEncryption:
      case ALG.rsassaPss: {
        const b = rsaBits(key);
        if (b < MIN_RSA_BITS)
          return new X509Error("x509_weak_key", `RSA key of ${b} bits (minimum ${MIN_RSA_BITS})`);
        if (b > MAX_RSA_BITS)
          return new X509Error("x509_unsupported_algorithm", `RSA key of ${b} bits is too large`);
        return undefined;
      }
      case ALG.ecPublicKey: {
        if (alg.peekTag() !== 0x06)
          return new X509Error("x509_unsupported_algorithm", "EC key without a named curve");
        const curve = decodeOid(alg.read(0x06));
        if (!CURVE_OIDS.has(curve)) return new X509Error("x509_unsupported_algorithm", `EC curve ${curve}`);
        return undefined;
      }
      case ALG.ed25519:
        return key.length === 32 ? undefined : new X509Error("x509_malformed", "Ed25519 key of wrong length");
      case ALG.ed448:
        return key.length === 57 ? undefined : new X509Error("x509_malformed", "Ed448 key of wrong length");
      case ALG.dsa:
        return new X509Error("x509_unsupported_algorithm", "DSA keys are not accepted");
      default:
        return new X509Error("x509_unsupported_algorithm", `unsupported public key algorithm ${oid}`);
    }
  } catch (e) {
    return e instanceof X509Error ? e : new X509Error("x509_malformed", String(e));
  }
}

/**
 * Imports and checks a SubjectPublicKeyInfo (once per parsed certificate). Throws
 * x509_unsupported_algorithm for key types we do not accept, x509_weak_key for small RSA keys.
 */
export function importPublicKey(spki: Uint8Array): PublicKeyInfo {
  const r = new DerReader(readOne(spki, 0x30, "SubjectPublicKeyInfo").value);
  const alg = new DerReader(r.read(0x30).value);
  const oid = decodeOid(alg.read(0x06));
  if (oid === ALG.dsa) throw new X509Error("x509_unsupported_algorithm", "DSA keys are not accepted");
  if (![ALG.rsaEncryption, ALG.rsassaPss, ALG.ecPublicKey, ALG.ed25519, ALG.ed448].includes(oid as never)) {
    throw new X509Error("x509_unsupported_algorithm", `unsupported public key algorithm ${oid}`);
  }
  let key: KeyObject;
  try {
    key = createPublicKey({ key: Buffer.from(spki), format: "der", type: "spki" });
  } catch (e) {
    throw new X509Error("x509_malformed", `public key does not parse: ${(e as Error).message}`);
  }
  const type = key.asymmetricKeyType;
  const d = key.asymmetricKeyDetails ?? {};
  if (type === "rsa" || type === "rsa-pss") {
    const bits = d.modulusLength ?? 0;
    if (bits < MIN_RSA_BITS)
      throw new X509Error("x509_weak_key", `RSA key of ${bits} bits (minimum ${MIN_RSA_BITS})`);
    if (bits > MAX_RSA_BITS)
      throw new X509Error("x509_unsupported_algorithm", `RSA key of ${bits} bits is too large`);
    return { kind: "rsa", key, detail: `RSA-${bits}` };
  }
  if (type === "ec") {
    const curve = d.namedCurve ?? "";
    if (!CURVES.has(curve))
      throw new X509Error("x509_unsupported_algorithm", `EC curve ${curve || "(explicit)"}`);
    return { kind: "ec", key, detail: curve };
  }
  if (type === "ed25519" || type === "ed448") return { kind: type, key, detail: type };
  throw new X509Error("x509_unsupported_algorithm", `unsupported key type ${type}`);
}

/** Verifies `signature` over `data`. Never throws: a key/algorithm mismatch is simply false. */
export function verifySignature(
  alg: SignatureAlgorithm,
  key: PublicKeyInfo,
  data: Uint8Array,
  signature: Uint8Array,
): boolean {
  try {
    switch (alg.kind) {
      case "rsa-pkcs1":
        return (
          key.kind === "rsa" &&
          cryptoVerify(
            alg.hash,
            data,
            { key: key.key, padding: cryptoConstants.RSA_PKCS1_PADDING },
            signature,
          )
        );
      case "rsa-pss":
        return (
          key.kind === "rsa" &&
          cryptoVerify(
            alg.hash,
            data,
            { key: key.key, padding: cryptoConstants.RSA_PKCS1_PSS_PADDING, saltLength: alg.saltLength },
            signature,
          )
        );
      case "ecdsa":
        return (
          key.kind === "ec" && cryptoVerify(alg.hash, data, { key: key.key, dsaEncoding: "der" }, signature)
        );
      case "eddsa":
        return key.kind === alg.curve && cryptoVerify(null, data, key.key, signature);
    }
  } catch {
    return false;
  }
}
