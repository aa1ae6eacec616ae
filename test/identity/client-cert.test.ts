import { describe, expect, it } from "vitest";
import { parseClientCert, parseSfBinary } from "../../src/identity/sources/client-cert.js";

const DER = Buffer.from([0x30, 0x03, 0x02, 0x01, 0x01]);
const B64 = DER.toString("base64"); // "MAMCAQE="

describe("RFC 9440 Client-Cert", () => {
  it("decodes an sf-binary leaf and a chain list", () => {
    const r = parseClientCert(`:${B64}:`, `:${B64}:, :${B64}:`);
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.leaf.equals(DER)).toBe(true);
      expect(r.chain.length).toBe(2);
    }
  });
  it("tolerates omitted base64 padding (RFC 8941 §4.2.7)", () => {
    expect(parseSfBinary(`:${B64.replace(/=+$/, "")}:`)?.equals(DER)).toBe(true);
  });
  it("trims surrounding whitespace", () => {
    expect(parseClientCert(`  :${B64}:  `, undefined).ok).toBe(true);
  });

  const rejections: [string, string, string | undefined, string][] = [
    ["plain base64", B64, undefined, "client_cert_malformed"],
    ["missing closing colon", `:${B64}`, undefined, "client_cert_malformed"],
    ["empty byte sequence", "::", undefined, "client_cert_malformed"],
    ["base64url alphabet", ":ab-_:", undefined, "client_cert_malformed"],
    ["parameters", `:${B64}:;a=1`, undefined, "client_cert_malformed"],
    ["two items in Client-Cert", `:${B64}:, :${B64}:`, undefined, "client_cert_malformed"],
    ["non-canonical base64", ":MAMCAQF=:", undefined, "client_cert_malformed"],
    ["chain item not sf-binary", `:${B64}:`, `:${B64}:, abc`, "client_cert_chain_malformed"],
    ["empty chain item", `:${B64}:`, `:${B64}:,,:${B64}:`, "client_cert_chain_malformed"],
    ["inner list in chain", `:${B64}:`, `(:${B64}:)`, "client_cert_chain_malformed"],
    [
      "chain too long",
      `:${B64}:`,
      Array.from({ length: 17 }, () => `:${B64}:`).join(","),
      "client_cert_chain_too_long",
    ],
    ["header too large", `:${"A".repeat(70_000)}:`, undefined, "client_cert_too_large"],
  ];
  for (const [name, cc, chain, code] of rejections) {
    it(`rejects ${name} with ${code}`, () => {
      expect(parseClientCert(cc, chain)).toMatchObject({ ok: false, code });
    });
  }
});
