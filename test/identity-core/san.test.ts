/** The workload identifier of a certificate, and RFC 9525 DNS-ID / IP matching. */
import { beforeAll, describe, expect, it } from "vitest";
import {
  certWorkloadId,
  exactlyOneUriSan,
  verifyDnsName,
  verifyIpAddress,
} from "../../src/identity/x509/index.js";
import { type Issued, makeLeaf, makeRoot } from "./pki.js";

let root: Issued;
beforeAll(async () => {
  root = await makeRoot();
});

describe("certWorkloadId", () => {
  it("returns the canonical identifier of a certificate with exactly one URI SAN", async () => {
    const leaf = await makeLeaf(root, {
      uris: ["wimse://prod.example/service/payment"],
      dns: ["pay.prod.example"],
    });
    const r = certWorkloadId(leaf.parsed());
    expect(r).toEqual({
      ok: true,
      id: {
        id: "wimse://prod.example/service/payment",
        scheme: "wimse",
        trustDomain: "prod.example",
        path: "/service/payment",
      },
    });
  });

  it("rejects two URI SANs and no URI SAN", async () => {
    const two = await makeLeaf(root, { uris: ["spiffe://prod.example/a", "spiffe://prod.example/b"] });
    expect(exactlyOneUriSan(two.parsed())).toMatchObject({ ok: false, code: "x509_multiple_uri_sans" });
    expect(certWorkloadId(two.parsed())).toMatchObject({ ok: false, code: "x509_multiple_uri_sans" });
    const none = await makeLeaf(root, { uris: [], dns: ["a.prod.example"] });
    expect(certWorkloadId(none.parsed())).toMatchObject({ ok: false, code: "x509_no_uri_san" });
    const noSan = await makeLeaf(root, { uris: [] });
    expect(certWorkloadId(noSan.parsed())).toMatchObject({ ok: false, code: "x509_no_uri_san" });
  });

  const nonCanonical: [string, string][] = [
    ["wimse://trust.example/service/%70ayment", "id_percent_encoding"],
    ["spiffe://Prod.example/a", "id_uppercase_trust_domain"],
    ["spiffe://prod.example/a/./b", "id_dot_segment"],
    ["spiffe://prod.example/a/../b", "id_dot_segment"],
    ["spiffe://prod.example/a//b", "id_empty_segment"],
    ["spiffe://prod.example/a/", "id_trailing_slash"],
    ["spiffe://prod.example/a?x=1", "id_query"],
    ["spiffe://prod.example/a#f", "id_fragment"],
    ["spiffe://user@prod.example/a", "id_userinfo"],
    ["spiffe://prod.example:8443/a", "id_port"],
    [`spiffe://prod.example/${"a".repeat(2100)}`, "id_too_long"],
    ["spiffe://192.0.2.1/a", "id_ip_trust_domain"],
    ["https://prod.example/a", "id_bad_scheme"],
    ["spiffe://prod.example", "id_missing_path"],
  ];
  it.each(nonCanonical)("certificate carrying %s -> %s", async (uri, code) => {
    const leaf = await makeLeaf(root, { uris: [uri] });
    expect(certWorkloadId(leaf.parsed())).toMatchObject({ ok: false, code });
  });

  it("accepts an IP trust domain only when allowed", async () => {
    const leaf = await makeLeaf(root, { uris: ["spiffe://192.0.2.1/a"] });
    expect(certWorkloadId(leaf.parsed(), { allowIpTrustDomain: true }).ok).toBe(true);
  });
});

describe("verifyDnsName (RFC 9525 §6.3)", () => {
  let leaf: Issued;
  let wild: Issued;
  let cnOnly: Issued;
  beforeAll(async () => {
    leaf = await makeLeaf(root, { uris: [], dns: ["api.prod.example", "xn--bcher-kva.example"] });
    wild = await makeLeaf(root, {
      uris: [],
      dns: ["*.svc.prod.example", "ba*.prod.example", "*.com", "xn--*-1b3c148a.example"],
    });
    cnOnly = await makeLeaf(root, { subject: "CN=cn.prod.example", uris: ["spiffe://prod.example/a"] });
  });

  const rows: [string, "leaf" | "wild" | "cnOnly", string, boolean][] = [
    ["exact", "leaf", "api.prod.example", true],
    ["case-insensitive", "leaf", "API.Prod.Example", true],
    ["trailing dot on the reference", "leaf", "api.prod.example.", true],
    ["other name", "leaf", "web.prod.example", false],
    ["parent domain", "leaf", "prod.example", false],
    ["subdomain", "leaf", "x.api.prod.example", false],
    ["U-label reference against an A-label SAN", "leaf", "b\u00fccher.example", true],
    ["A-label reference", "leaf", "XN--BCHER-KVA.example", true],
    ["wildcard matches one label", "wild", "pay.svc.prod.example", true],
    ["wildcard does not match two labels", "wild", "a.pay.svc.prod.example", false],
    ["wildcard does not match the bare domain", "wild", "svc.prod.example", false],
    ["partial wildcard never matches", "wild", "baz.prod.example", false],
    ["wildcard over a single label never matches", "wild", "example.com", false],
    ["wildcard inside an A-label never matches", "wild", "xn--bliss-1b3c148a.example", false],
    ["no CN fallback", "cnOnly", "cn.prod.example", false],
    ["IP literal is not a DNS name", "leaf", "192.0.2.1", false],
    ["empty hostname", "leaf", "", false],
  ];
  it.each(rows)("%s: %s %s -> %s", (_n, which, host, want) => {
    const cert = { leaf, wild, cnOnly }[which].parsed();
    expect(verifyDnsName(cert, host)).toBe(want);
  });

  it("matches IP addresses only against iPAddress SANs", async () => {
    const { SubjectAlternativeNameExtension } = await import("@peculiar/x509");
    const ipLeaf = await makeLeaf(root, {
      uris: [],
      extensions: [
        new SubjectAlternativeNameExtension([
          { type: "ip", value: "192.0.2.1" },
          { type: "ip", value: "2001:db8::1" },
        ]),
      ],
    });
    expect(verifyIpAddress(ipLeaf.parsed(), "192.0.2.1")).toBe(true);
    expect(verifyIpAddress(ipLeaf.parsed(), "2001:db8:0:0:0:0:0:1")).toBe(true);
    expect(verifyIpAddress(ipLeaf.parsed(), "192.0.2.2")).toBe(false);
    expect(verifyIpAddress(ipLeaf.parsed(), "not-an-ip")).toBe(false);
    expect(verifyDnsName(ipLeaf.parsed(), "192.0.2.1")).toBe(false);
  });
});
