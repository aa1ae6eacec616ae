import { createPublicKey, generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { verifySignature } from "../../../../src/identity/tokens/http-sig/algorithms.js";
import { componentValue, signatureBase } from "../../../../src/identity/tokens/http-sig/base.js";
import {
  checkContentDigest,
  contentDigestField,
} from "../../../../src/identity/tokens/http-sig/content-digest.js";
import { signRequest } from "../../../../src/identity/tokens/http-sig/index.js";
import {
  parseDictionary,
  type SfInnerList,
} from "../../../../src/identity/tokens/http-sig/structured-fields.js";
import type { HttpRequestView } from "../../../../src/identity/tokens/types.js";

/** The request of RFC 9421 §2.5 / Appendix B.2 (POST /foo?param=Value&Pet=dog to example.com). */
const RFC_REQUEST: HttpRequestView = {
  method: "POST",
  scheme: "https",
  host: "example.com",
  path: "/foo?param=Value&Pet=dog",
  headers: {
    date: "Tue, 20 Apr 2021 02:07:55 GMT",
    "content-type": "application/json",
    "content-digest":
      "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:",
    "content-length": "18",
  },
  body: new TextEncoder().encode('{"hello": "world"}'),
  bodyTruncated: false,
};

function member(text: string, label: string): SfInnerList {
  const r = parseDictionary(text);
  if (!r.ok) throw new Error(r.error);
  return r.value.get(label) as SfInnerList;
}

describe("signature base (RFC 9421 §2.5)", () => {
  it("matches the RFC's example base", () => {
    const input = member(
      'sig1=("@method" "@authority" "@path" "content-digest" "content-length" "content-type");created=1618884473;keyid="test-key-rsa-pss"',
      "sig1",
    );
    const r = signatureBase(input, RFC_REQUEST);
    expect(r).toEqual({
      ok: true,
      base: [
        '"@method": POST',
        '"@authority": example.com',
        '"@path": /foo',
        '"content-digest": sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:',
        '"content-length": 18',
        '"content-type": application/json',
        '"@signature-params": ("@method" "@authority" "@path" "content-digest" "content-length" "content-type");created=1618884473;keyid="test-key-rsa-pss"',
      ].join("\n"),
    });
  });

  it("verifies the RFC's Ed25519 example signature (Appendix B.2.6)", () => {
    const input = member(
      'sig-b26=("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519"',
      "sig-b26",
    );
    const sig = parseDictionary(
      "sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==:",
    );
    const m = sig.ok ? sig.value.get("sig-b26") : undefined;
    const bytes = m?.kind === "item" && m.value.type === "bytes" ? m.value.value : new Uint8Array();
    const key = createPublicKey({
      key: { kty: "OKP", crv: "Ed25519", x: "JrQLj5P_89iXES9-vFgrIy29clF9CC_oPPsw3c5D0bs" },
      format: "jwk",
    });
    const base = signatureBase(input, RFC_REQUEST);
    expect(base.ok).toBe(true);
    if (!base.ok) return;
    expect(verifySignature("EdDSA", key, Buffer.from(base.base), bytes)).toBe(true);
    const tampered = base.base.replace("POST", "PUT");
    expect(verifySignature("EdDSA", key, Buffer.from(tampered), bytes)).toBe(false);
  });
});

describe("component values (RFC 9421 §2.1-2.2)", () => {
  const req = (path: string, o: Partial<HttpRequestView> = {}): HttpRequestView => ({
    ...RFC_REQUEST,
    path,
    ...o,
  });
  const cases: [string, HttpRequestView, string, string | null][] = [
    ["@path without query", req("/foo"), "@path", "/foo"],
    ["@query when absent is ?", req("/foo"), "@query", "?"],
    ["@query when empty is ?", req("/foo?"), "@query", "?"],
    ["@query keeps percent-encoding", req("/foo?a=%20b&c"), "@query", "?a=%20b&c"],
    ["@path keeps percent-encoding", req("/f%6Fo/bar"), "@path", "/f%6Fo/bar"],
    ["@request-target is path and query", req("/foo?x=1"), "@request-target", "/foo?x=1"],
    ["@method is not case-folded", req("/", { method: "get" }), "@method", "get"],
    [
      "@authority lower-cased, default port dropped",
      req("/", { host: "Example.COM:443" }),
      "@authority",
      "example.com",
    ],
    [
      "@authority keeps another port",
      req("/", { host: "example.com:8443" }),
      "@authority",
      "example.com:8443",
    ],
    ["@scheme", req("/"), "@scheme", "https"],
    ["field value trimmed", req("/", { headers: { "x-a": "  v 1\t" } }), "x-a", "v 1"],
    ["absent field", req("/"), "x-absent", null],
    ["absolute-form target refused", req("http://example.com/foo"), "@path", null],
    ["asterisk-form target refused", req("*"), "@request-target", null],
    ["unknown derived component", req("/"), "@target-uri", null],
    ["CR/LF in a field", req("/", { headers: { "x-a": "a\r\nb: c" } }), "x-a", null],
    ["non-ASCII in a field", req("/", { headers: { "x-a": "café" } }), "x-a", null],
    ["upper-case field name", req("/"), "Content-Type", null],
    ["empty @scheme", req("/", { scheme: "" }), "@scheme", null],
    ["inherited property is not a header", req("/"), "constructor", null],
  ];
  it.each(cases)("%s", (_name, request, name, expected) => {
    const r = componentValue(name, request);
    if (expected === null) expect(r.ok).toBe(false);
    else expect(r).toEqual({ ok: true, value: expected });
  });
});

describe("Content-Digest (RFC 9530)", () => {
  const body = new TextEncoder().encode('{"hello": "world"}');
  it("produces and checks the RFC's sha-256 and sha-512 values", () => {
    expect(contentDigestField(body)).toBe("sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:");
    expect(contentDigestField(body, ["sha-512"])).toBe(
      "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:",
    );
    expect(checkContentDigest(contentDigestField(body, ["sha-256", "sha-512"]), body)).toEqual({
      ok: true,
      algorithms: ["sha-256", "sha-512"],
    });
  });
  const rejections: [string, string, string][] = [
    ["mismatch", "sha-256=:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=:", "mismatch"],
    ["truncated digest", "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDU:", "mismatch"],
    ["only md5", "md5=:SVJ4OZnA2vn3ESk6YhqG0Q==:", "unsupported"],
    ["only unknown", "sha3-256=:AAAA:", "unsupported"],
    ["empty", "", "unsupported"],
    ["not a byte sequence", 'sha-256="X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE="', "malformed"],
    ["inner list", "sha-256=(:AAAA:)", "malformed"],
    ["not a dictionary", "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:;;", "malformed"],
  ];
  it.each(rejections)("refuses %s", (_name, field, reason) => {
    expect(checkContentDigest(field, body)).toMatchObject({ ok: false, reason });
  });
  it("ignores deprecated algorithms next to a valid sha-256", () => {
    const field = `md5=:AAAA:, ${contentDigestField(body)}`;
    expect(checkContentDigest(field, body)).toEqual({ ok: true, algorithms: ["sha-256"] });
  });
});

describe("signer refusals", () => {
  it("refuses keys that do not suit the algorithm, public keys and unknown algorithms", () => {
    const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const rsa1024 = generateKeyPairSync("rsa", { modulusLength: 1024 });
    const base = { method: "GET", url: "https://svc.example/x", wit: "a.b.c" };
    expect(() => signRequest({ ...base, privateKey: ec.privateKey, alg: "ES384" })).toThrow(/curve/);
    expect(() => signRequest({ ...base, privateKey: ec.privateKey, alg: "EdDSA" })).toThrow(/does not suit/);
    expect(() => signRequest({ ...base, privateKey: ec.publicKey, alg: "ES256" })).toThrow(/private key/);
    expect(() => signRequest({ ...base, privateKey: rsa1024.privateKey, alg: "RS256" })).toThrow(/2048/);
    expect(() => signRequest({ ...base, privateKey: ec.privateKey, alg: "HS256" })).toThrow(/not supported/);
    expect(() => signRequest({ ...base, privateKey: ec.privateKey, alg: "none" })).toThrow(/not supported/);
    expect(() =>
      signRequest({ ...base, privateKey: ec.privateKey, alg: "ES256", headers: { "content-type": "a\nb" } }),
    ).toThrow(/cannot sign/);
  });
});
