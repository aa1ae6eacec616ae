/** Bad input to the X.509 parsers: every case is a typed X509Error with its exact code. */
import { beforeAll, describe, expect, it } from "vitest";
import {
  parseCrl,
  parseDer,
  parsePemChain,
  parsePemCert,
  tryParseDer,
  X509Error,
} from "../../src/identity/x509/index.js";
import { type Issued, makeCrl, makeLeaf, makeRoot, tlv } from "./pki.js";

let root: Issued;
let leaf: Issued;
let crlDer: Uint8Array;

beforeAll(async () => {
  root = await makeRoot();
  leaf = await makeLeaf(root);
  crlDer = (await makeCrl(root, { revoked: ["0a"] })).der;
});

function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(X509Error);
    return (e as X509Error).code;
  }
  return "no error";
}

const b64 = (d: Uint8Array) => Buffer.from(d).toString("base64");
const pemOf = (d: Uint8Array, label = "CERTIFICATE") =>
  `-----BEGIN ${label}-----\n${b64(d).replace(/.{64}/g, "$&\n")}\n-----END ${label}-----\n`;

describe("parseDer", () => {
  it("parses a good certificate and caches it by hash", () => {
    const a = parseDer(leaf.der);
    expect(a.subject.text).toBe(leaf.name);
    expect(parseDer(Uint8Array.from(leaf.der))).toBe(a);
    expect(a.serialHex).toBe(leaf.serial);
  });

  const rows: [string, () => Uint8Array, string][] = [
    ["empty input", () => new Uint8Array(0), "x509_truncated"],
    ["garbage", () => Uint8Array.from(Buffer.from("hello, I am not a certificate")), "x509_malformed"],
    ["truncated by one byte", () => leaf.der.subarray(0, leaf.der.length - 1), "x509_truncated"],
    ["truncated to half", () => leaf.der.subarray(0, leaf.der.length >> 1), "x509_truncated"],
    ["only the first two bytes", () => leaf.der.subarray(0, 2), "x509_truncated"],
    [
      "trailing bytes after the certificate",
      () => Uint8Array.from([...leaf.der, 0x00]),
      "x509_trailing_data",
    ],
    [
      "two certificates concatenated",
      () => Uint8Array.from([...leaf.der, ...root.der]),
      "x509_trailing_data",
    ],
    ["indefinite length", () => Uint8Array.from([0x30, 0x80, 0x00, 0x00]), "x509_malformed"],
    ["a SEQUENCE of nothing", () => tlv(0x30, []), "x509_truncated"],
    ["a CRL where a certificate is expected", () => crlDer, "x509_malformed"],
  ];
  it.each(rows.map(([name, input, code]) => ({ name, input, code })))(
    "$name -> $code",
    ({ input: bytes, code }) => {
      expect(codeOf(() => parseDer(bytes()))).toBe(code);
      const r = tryParseDer(bytes());
      expect(r.ok).toBe(false);
    },
  );

  it("rejects a certificate with more than 1024 subjectAltNames", async () => {
    const many = await makeLeaf(root, { dns: Array.from({ length: 1100 }, (_, i) => `h${i}.prod.example`) });
    expect(codeOf(() => parseDer(many.der))).toBe("x509_malformed");
  });

  it("rejects every truncation of a real certificate without throwing anything but X509Error", () => {
    for (let n = 0; n < leaf.der.length; n += 7) {
      const r = tryParseDer(leaf.der.subarray(0, n));
      expect(r.ok).toBe(false);
      if (!r.ok) expect(["x509_truncated", "x509_malformed"]).toContain(r.error.code);
    }
  });

  it("rejects every single-byte corruption of the structure or accepts it only as a different certificate", () => {
    for (let i = 0; i < 40; i++) {
      const d = Uint8Array.from(leaf.der);
      d[i] = (d[i] as number) ^ 0xff;
      const r = tryParseDer(d);
      if (!r.ok) expect(r.error).toBeInstanceOf(X509Error);
      else expect(r.cert.sha256).not.toBe(parseDer(leaf.der).sha256);
    }
  });
});

describe("parsePemChain", () => {
  it("parses a chain in order", () => {
    const chain = parsePemChain(leaf.pem + root.pem);
    expect(chain.map((c) => c.subject.text)).toEqual([leaf.name, root.name]);
    expect(parsePemCert(leaf.pem).sha256).toBe(parseDer(leaf.der).sha256);
  });

  it("allows explanatory text only when asked", () => {
    const text = `# my roots\n${root.pem}`;
    expect(codeOf(() => parsePemChain(text))).toBe("x509_pem_malformed");
    expect(parsePemChain(text, { allowExplanatoryText: true }).length).toBe(1);
  });

  const rows: [string, () => string, string][] = [
    ["empty", () => "", "x509_pem_no_certificate"],
    ["whitespace", () => "  \n\n", "x509_pem_no_certificate"],
    ["garbage", () => "definitely not PEM", "x509_pem_malformed"],
    ["missing END line", () => leaf.pem.slice(0, leaf.pem.indexOf("-----END")), "x509_pem_malformed"],
    ["truncated body", () => `${leaf.pem.slice(0, 200)}\n-----END CERTIFICATE-----\n`, "x509_pem_malformed"],
    ["mismatched END label", () => leaf.pem.replace("END CERTIFICATE", "END X509 CRL"), "x509_pem_malformed"],
    [
      "a private key block",
      () => "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
      "x509_pem_malformed",
    ],
    [
      "bad base64 characters",
      () => leaf.pem.replace(/\n[A-Za-z0-9+/]{10}/, "\n!!!!!!!!!!"),
      "x509_pem_malformed",
    ],
    ["garbage after the block", () => `${leaf.pem}trailing garbage`, "x509_pem_malformed"],
    [
      "valid base64 of garbage",
      () => pemOf(Uint8Array.from(Buffer.from("not DER at all"))),
      "x509_malformed",
    ],
    [
      "DER with trailing bytes inside the block",
      () => pemOf(Uint8Array.from([...leaf.der, 1, 2, 3])),
      "x509_trailing_data",
    ],
    ["truncated DER inside the block", () => pemOf(leaf.der.subarray(0, 100)), "x509_truncated"],
    ["absurdly many blocks", () => root.pem.repeat(100), "x509_chain_too_long"],
  ];
  it.each(rows.map(([name, input, code]) => ({ name, input, code })))(
    "$name -> $code",
    ({ input: text, code }) => {
      expect(codeOf(() => parsePemChain(text()))).toBe(code);
    },
  );
});

describe("parseCrl", () => {
  it("parses DER and PEM CRLs", () => {
    const a = parseCrl(crlDer);
    expect(a.revoked.has("0a")).toBe(true);
    expect(a.issuer.text).toBe(root.name);
    expect(parseCrl(pemOf(crlDer, "X509 CRL")).sha256).toBe(a.sha256);
  });

  const rows: [string, () => Uint8Array | string, string][] = [
    ["garbage", () => Uint8Array.from(Buffer.from("garbage")), "x509_crl_malformed"],
    ["truncated", () => crlDer.subarray(0, crlDer.length - 5), "x509_crl_malformed"],
    ["trailing bytes", () => Uint8Array.from([...crlDer, 0]), "x509_crl_malformed"],
    ["a certificate", () => leaf.der, "x509_crl_malformed"],
    ["PEM garbage", () => "not a crl", "x509_crl_malformed"],
    ["empty", () => new Uint8Array(0), "x509_crl_malformed"],
  ];
  it.each(rows.map(([name, input, code]) => ({ name, input, code })))("$name -> $code", ({ input, code }) => {
    expect(codeOf(() => parseCrl(input()))).toBe(code);
  });
});
