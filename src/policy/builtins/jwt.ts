/**
 * io.jwt.*: decode, verify_<alg>, decode_verify, encode_sign(_raw). Synchronous node:crypto
 * (the SDK calls host builtins synchronously, so jose's async API cannot be used here).
 * Keys: a PEM certificate or public key, a JWK or a JWK Set (JSON text); HS* take the secret.
 */
import {
  type KeyObject,
  createHmac,
  createPrivateKey,
  createPublicKey,
  sign as cryptoSign,
  verify as cryptoVerify,
  constants,
  timingSafeEqual,
} from "node:crypto";
import { isObject, num, obj, str } from "./args.js";
import { fail } from "./errors.js";
import type { BuiltinFamily } from "./registry.js";

type Alg =
  | "HS256"
  | "HS384"
  | "HS512"
  | "RS256"
  | "RS384"
  | "RS512"
  | "PS256"
  | "PS384"
  | "PS512"
  | "ES256"
  | "ES384"
  | "ES512"
  | "EdDSA";

const HASH: Record<string, string> = { "256": "sha256", "384": "sha384", "512": "sha512" };
const ALGS = new Set<string>([
  "HS256",
  "HS384",
  "HS512",
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
  "ES256",
  "ES384",
  "ES512",
  "EdDSA",
]);

function b64urlDecode(s: string, what: string): Buffer {
  const t = s.replace(/=+$/, "");
  if (!/^[A-Za-z0-9_-]*$/.test(t)) fail(`failed to decode JWT ${what}: illegal base64 data`);
  return Buffer.from(t, "base64url");
}

function b64url(b: Buffer | string): string {
  return Buffer.from(b).toString("base64url");
}

function parseJsonPart(b: Buffer, what: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(b.toString("utf8"));
  } catch {
    return fail(`JWT ${what} is not valid JSON`);
  }
  if (!isObject(v)) fail(`JWT ${what} must be a JSON object`);
  return v as Record<string, unknown>;
}

interface Token {
  header: Record<string, unknown>;
  headerB64: string;
  payloadB64: string;
  payloadRaw: Buffer;
  signature: Buffer;
}

function split(token: string): Token {
  const parts = token.split(".");
  if (parts.length !== 3)
    fail(
      parts.length === 5 ? "JWT is a JWE (encrypted), not supported" : "encoded JWT had no period separators",
    );
  const [h = "", p = "", s = ""] = parts;
  const header = parseJsonPart(b64urlDecode(h, "header"), "header");
  if (header.enc !== undefined) fail("JWT is a JWE (encrypted), not supported");
  return {
    header,
    headerB64: h,
    payloadB64: p,
    payloadRaw: b64urlDecode(p, "payload"),
    signature: b64urlDecode(s, "signature"),
  };
}

/** Nested JWTs (cty: JWT): the payload is another token, possibly as a JSON string. */
function nestedToken(t: Token): string | undefined {
  if (typeof t.header.cty !== "string" || t.header.cty.toUpperCase() !== "JWT") return undefined;
  const text = t.payloadRaw.toString("utf8");
  if (text.startsWith('"')) {
    try {
      return JSON.parse(text) as string;
    } catch {
      return fail("invalid nested JWT");
    }
  }
  return text;
}

function decode(token: string): [Record<string, unknown>, Record<string, unknown>, string] {
  const t = split(token);
  const inner = nestedToken(t);
  if (inner !== undefined) return decode(inner);
  return [t.header, parseJsonPart(t.payloadRaw, "payload"), t.signature.toString("hex")];
}

/** Public keys from PEM (certificate or key), a JWK or a JWK Set. */
function publicKeys(material: string): KeyObject[] {
  const text = material.trim();
  if (text.startsWith("{")) {
    let jwk: unknown;
    try {
      jwk = JSON.parse(text);
    } catch {
      return fail("failed to parse a JWK key (set)");
    }
    const list = isObject(jwk) && Array.isArray(jwk.keys) ? jwk.keys : [jwk];
    const out: KeyObject[] = [];
    for (const k of list) {
      try {
        out.push(createPublicKey({ key: k as import("node:crypto").JsonWebKey, format: "jwk" }));
      } catch {
        // Keys we cannot use (e.g. symmetric entries in a set) are skipped.
      }
    }
    if (out.length === 0) fail("failed to parse a JWK key (set)");
    return out;
  }
  const blocks = text.match(/-----BEGIN [A-Z ]+-----[\s\S]*?-----END [A-Z ]+-----/g);
  if (!blocks) fail("failed to extract a Key from the PEM certificate");
  if (text.replace(/-----BEGIN [A-Z ]+-----[\s\S]*?-----END [A-Z ]+-----/g, "").trim() !== "") {
    fail("extra data after a PEM certificate block");
  }
  const out: KeyObject[] = [];
  for (const b of blocks ?? []) {
    try {
      out.push(createPublicKey(b));
    } catch {
      fail("failed to parse a PEM certificate or key");
    }
  }
  return out;
}

function verifyWith(alg: Alg, signingInput: Buffer, sig: Buffer, keyMaterial: string): boolean {
  const bits = alg.slice(2);
  if (alg.startsWith("HS")) {
    const mac = createHmac(HASH[bits] ?? "sha256", Buffer.from(keyMaterial, "utf8"))
      .update(signingInput)
      .digest();
    return mac.length === sig.length && timingSafeEqual(mac, sig);
  }
  for (const key of publicKeys(keyMaterial)) {
    const type = key.asymmetricKeyType;
    try {
      if (alg === "EdDSA") {
        if (type === "ed25519" || type === "ed448") {
          if (cryptoVerify(null, signingInput, key, sig)) return true;
        }
        continue;
      }
      const hash = HASH[bits] ?? "sha256";
      if (alg.startsWith("RS") && type === "rsa") {
        if (cryptoVerify(hash, signingInput, key, sig)) return true;
      } else if (alg.startsWith("PS") && (type === "rsa" || type === "rsa-pss")) {
        if (
          cryptoVerify(
            hash,
            signingInput,
            { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: Number(bits) / 8 },
            sig,
          )
        ) {
          return true;
        }
      } else if (alg.startsWith("ES") && type === "ec") {
        if (cryptoVerify(hash, signingInput, { key, dsaEncoding: "ieee-p1363" }, sig)) return true;
      }
    } catch {
      // A key of the wrong shape does not verify.
    }
  }
  return false;
}

function verifyToken(alg: Alg, token: unknown, key: unknown): boolean {
  const t = split(str(token, 1));
  const k = str(key, 2);
  return verifyWith(alg, Buffer.from(`${t.headerB64}.${t.payloadB64}`), t.signature, k);
}

const NOT_VALID: [boolean, Record<string, unknown>, Record<string, unknown>] = [false, {}, {}];

function decodeVerify(token: string, constraints: Record<string, unknown>, nowNs: () => number): unknown {
  let cert: string | undefined;
  let secret: string | undefined;
  let alg: string | undefined;
  let iss: string | undefined;
  let aud: string | undefined;
  let time: number | undefined;
  for (const [k, v] of Object.entries(constraints)) {
    switch (k) {
      case "cert":
        cert = str(v, 2);
        break;
      case "secret":
        secret = str(v, 2);
        break;
      case "alg":
        alg = str(v, 2);
        break;
      case "iss":
        iss = str(v, 2);
        break;
      case "aud":
        aud = str(v, 2);
        break;
      case "time":
        time = num(v, 2);
        break;
      default:
        fail(`unknown token validation constraint: ${k}`);
    }
  }
  if (cert === undefined && secret === undefined) fail("no key found: cert or secret constraint required");
  if (cert !== undefined && secret !== undefined) fail("duplicate key constraints: cert and secret");
  const t = split(token);
  const halg = t.header.alg;
  if (typeof halg !== "string" || !ALGS.has(halg)) return NOT_VALID;
  if (Array.isArray(t.header.crit) && t.header.crit.length > 0) return NOT_VALID;
  if (alg !== undefined && alg !== halg) return NOT_VALID;
  if ((halg.startsWith("HS") ? secret : cert) === undefined) return NOT_VALID;
  if (
    !verifyWith(
      halg as Alg,
      Buffer.from(`${t.headerB64}.${t.payloadB64}`),
      t.signature,
      (halg.startsWith("HS") ? secret : cert) ?? "",
    )
  ) {
    return NOT_VALID;
  }
  const inner = nestedToken(t);
  if (inner !== undefined) return decodeVerify(inner, constraints, nowNs);
  const payload = parseJsonPart(t.payloadRaw, "payload");
  const at = time ?? nowNs();
  if (payload.exp !== undefined) {
    if (typeof payload.exp !== "number") fail("exp value must be a number");
    if (at >= payload.exp * 1e9) return NOT_VALID;
  }
  if (payload.nbf !== undefined) {
    if (typeof payload.nbf !== "number") fail("nbf value must be a number");
    if (at < payload.nbf * 1e9) return NOT_VALID;
  }
  if (iss !== undefined && payload.iss !== iss) return NOT_VALID;
  if (payload.aud !== undefined) {
    const auds =
      typeof payload.aud === "string" ? [payload.aud] : Array.isArray(payload.aud) ? payload.aud : [];
    if (aud === undefined || !auds.includes(aud)) return NOT_VALID;
  } else if (aud !== undefined) return NOT_VALID;
  return [true, t.header, payload];
}

function signingKey(jwk: Record<string, unknown>): { hmac?: Buffer; key?: KeyObject } {
  if (jwk.kty === "oct") {
    if (typeof jwk.k !== "string") fail("invalid JWK: oct key without k");
    return { hmac: Buffer.from(jwk.k as string, "base64url") };
  }
  try {
    return { key: createPrivateKey({ key: jwk as import("node:crypto").JsonWebKey, format: "jwk" }) };
  } catch (e) {
    return fail(`invalid JWK: ${(e as Error).message}`);
  }
}

function encodeSign(headerText: string, payloadText: string, jwk: Record<string, unknown>): string {
  const header = parseJsonPart(Buffer.from(headerText), "header");
  const alg = header.alg;
  if (typeof alg !== "string" || !ALGS.has(alg))
    fail(`unsupported signature algorithm ${JSON.stringify(alg)}`);
  if (typeof header.typ === "string" && header.typ.toUpperCase() === "JWT") {
    try {
      JSON.parse(payloadText);
    } catch {
      fail("type is JWT but payload is not JSON");
    }
  }
  const input = `${b64url(headerText)}.${b64url(payloadText)}`;
  const k = signingKey(jwk);
  const bits = (alg as string).slice(2);
  const hash = HASH[bits] ?? "sha256";
  let sig: Buffer;
  if ((alg as string).startsWith("HS")) {
    if (!k.hmac) fail("HS algorithms need an oct JWK");
    sig = createHmac(hash, k.hmac as Buffer)
      .update(input)
      .digest();
  } else {
    if (!k.key) fail(`${alg} needs an asymmetric JWK`);
    const key = k.key as KeyObject;
    if (alg === "EdDSA") sig = cryptoSign(null, Buffer.from(input), key);
    else if ((alg as string).startsWith("PS")) {
      sig = cryptoSign(hash, Buffer.from(input), {
        key,
        padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength: Number(bits) / 8,
      });
    } else if ((alg as string).startsWith("ES"))
      sig = cryptoSign(hash, Buffer.from(input), { key, dsaEncoding: "ieee-p1363" });
    else sig = cryptoSign(hash, Buffer.from(input), key);
  }
  return `${input}.${b64url(sig)}`;
}

function verifier(alg: Alg) {
  return (token: unknown, key: unknown) => verifyToken(alg, token, key);
}

export function jwtBuiltins(nowNs: () => number): BuiltinFamily {
  const family: BuiltinFamily = {
    "io.jwt.decode": (t) => decode(str(t, 1)),
    "io.jwt.decode_verify": (t, c) => decodeVerify(str(t, 1), obj(c, 2), nowNs),
    "io.jwt.encode_sign": (h, p, k) =>
      encodeSign(JSON.stringify(obj(h, 1)), JSON.stringify(obj(p, 2)), obj(k, 3)),
    "io.jwt.encode_sign_raw": (h, p, k) => {
      const keyText = str(k, 3);
      let jwk: unknown;
      try {
        jwk = JSON.parse(keyText);
      } catch {
        return fail("invalid JWK: not JSON");
      }
      if (!isObject(jwk)) fail("invalid JWK: not an object");
      return encodeSign(str(h, 1), str(p, 2), jwk as Record<string, unknown>);
    },
  };
  for (const alg of ALGS) family[`io.jwt.verify_${alg.toLowerCase()}`] = verifier(alg as Alg);
  return family;
}
