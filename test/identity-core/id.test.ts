import { describe, expect, it } from "vitest";
import {
  matchAllOf,
  matchAny,
  matchAnyOf,
  matchId,
  matchMemberOf,
  matchOneOf,
  parseTrustDomain,
  parseWorkloadId,
  tryParseWorkloadId,
  WorkloadIdError,
  workloadIdOrigin,
} from "../../src/identity/id/index.js";

describe("parseWorkloadId accepts canonical identifiers", () => {
  const ok: [string, string, string, string][] = [
    ["spiffe://prod.example/ns/a/sa/b", "spiffe", "prod.example", "/ns/a/sa/b"],
    ["wimse://trust.example/service/payment", "wimse", "trust.example", "/service/payment"],
    ["wimse://t_d-1.example/a~b/c.d_e-f", "wimse", "t_d-1.example", "/a~b/c.d_e-f"],
    ["spiffe://td/A.b-C_d", "spiffe", "td", "/A.b-C_d"],
    ["spiffe://td/..a/a..", "spiffe", "td", "/..a/a.."],
  ];
  it.each(ok)("%s", (text, scheme, td, path) => {
    const id = parseWorkloadId(text);
    expect(id).toEqual({ id: text, scheme, trustDomain: td, path });
    expect(tryParseWorkloadId(text).ok).toBe(true);
  });

  it("accepts exactly 2048 bytes and a root SPIFFE ID only when asked", () => {
    const base = "spiffe://td/";
    const text = base + "a".repeat(2048 - base.length);
    expect(parseWorkloadId(text).id).toBe(text);
    expect(parseWorkloadId("spiffe://td", { allowNoPath: true }).path).toBe("");
  });

  it("treats only a real true as permission", () => {
    const opts = { allowIpTrustDomain: "false", allowNoPath: 1 } as unknown as {
      allowIpTrustDomain: boolean;
    };
    expect(tryParseWorkloadId("spiffe://10.0.0.1/a", opts).ok).toBe(false);
    expect(tryParseWorkloadId("spiffe://td", opts).ok).toBe(false);
  });

  it("accepts IP trust domains only when allowed", () => {
    expect(parseWorkloadId("spiffe://10.0.0.1/a", { allowIpTrustDomain: true }).trustDomain).toBe("10.0.0.1");
    expect(parseWorkloadId("spiffe://[::1]/a", { allowIpTrustDomain: true }).trustDomain).toBe("[::1]");
  });
});

describe("parseWorkloadId rejects non-canonical identifiers with a stable code", () => {
  const bad: [string, string][] = [
    ["", "id_empty"],
    [`spiffe://td/${"a".repeat(2048)}`, "id_too_long"],
    ["http://td/a", "id_bad_scheme"],
    ["SPIFFE://td/a", "id_bad_scheme"],
    ["spiffe:/td/a", "id_bad_scheme"],
    ["td/a", "id_bad_scheme"],
    ["wimse://trust.example/service/%70ayment", "id_percent_encoding"],
    ["spiffe://td%2e/a", "id_percent_encoding"],
    ["spiffe://Prod.example/a", "id_uppercase_trust_domain"],
    ["wimse://TD/a", "id_uppercase_trust_domain"],
    ["spiffe://td/a/./b", "id_dot_segment"],
    ["spiffe://td/a/../b", "id_dot_segment"],
    ["wimse://td/..", "id_dot_segment"],
    ["spiffe://td/a//b", "id_empty_segment"],
    ["spiffe://td//a", "id_empty_segment"],
    ["spiffe://td/a/", "id_trailing_slash"],
    ["spiffe://td/", "id_trailing_slash"],
    ["spiffe://td/a?x=1", "id_query"],
    ["spiffe://td/a?", "id_query"],
    ["spiffe://td/a#frag", "id_fragment"],
    ["spiffe://user@td/a", "id_userinfo"],
    ["spiffe://@td/a", "id_userinfo"],
    ["spiffe://td:443/a", "id_port"],
    ["spiffe://td:/a", "id_port"],
    ["spiffe://[::1]:8443/a", "id_port"],
    ["spiffe://10.0.0.1/a", "id_ip_trust_domain"],
    ["spiffe://[::1]/a", "id_ip_trust_domain"],
    ["spiffe://example.123/a", "id_ip_trust_domain"],
    ["spiffe://010.0.0.1/a", "id_ip_trust_domain"],
    ["spiffe:///a", "id_missing_trust_domain"],
    ["spiffe://td", "id_missing_path"],
    ["wimse://td", "id_missing_path"],
    ["spiffe://td./a", "id_bad_trust_domain"],
    ["spiffe://.td/a", "id_bad_trust_domain"],
    ["spiffe://a..b/a", "id_bad_trust_domain"],
    [`spiffe://${"a".repeat(256)}/a`, "id_trust_domain_too_long"],
    ["spiffe://td/a b", "id_bad_char"],
    ["spiffe://td/a~b", "id_bad_char"],
    ["spiffe://td/caf\u00e9", "id_bad_char"],
    ["spiffe://t*d/a", "id_bad_char"],
    ["wimse://td/a:b", "id_bad_char"],
    ["wimse://td/a\n", "id_bad_char"],
  ];
  it.each(bad)("%j -> %s", (text, code) => {
    let caught: unknown;
    try {
      parseWorkloadId(text);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(WorkloadIdError);
    expect((caught as WorkloadIdError).code).toBe(code);
    const r = tryParseWorkloadId(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe(code);
  });
});

describe("trust domains and matchers", () => {
  const a = parseWorkloadId("spiffe://prod.example/ns/a");
  const b = parseWorkloadId("spiffe://prod.example/ns/b");
  const w = parseWorkloadId("wimse://prod.example/ns/a");
  const other = parseWorkloadId("spiffe://dev.example/ns/a");

  it("parses trust domains from names and origins", () => {
    expect(parseTrustDomain("prod.example")).toBe("prod.example");
    expect(parseTrustDomain("spiffe://prod.example")).toBe("prod.example");
    expect(() => parseTrustDomain("Prod.example")).toThrow(WorkloadIdError);
    expect(workloadIdOrigin(a)).toBe("spiffe://prod.example");
  });

  it("matches exactly, by membership and by set", () => {
    expect(matchId("spiffe://prod.example/ns/a")(a)).toBe(true);
    expect(matchId("spiffe://prod.example/ns/a")(b)).toBe(false);
    expect(matchId("spiffe://prod.example/ns/a")(w)).toBe(false);
    expect(matchMemberOf("prod.example")(w)).toBe(true);
    expect(matchMemberOf("spiffe://prod.example")(w)).toBe(false);
    expect(matchMemberOf("spiffe://prod.example")(b)).toBe(true);
    expect(matchMemberOf("prod.example")(other)).toBe(false);
    expect(matchOneOf(a, "spiffe://dev.example/ns/a")(other)).toBe(true);
    expect(matchOneOf(a)(b)).toBe(false);
    expect(matchAny()(other)).toBe(true);
    expect(matchAnyOf(matchId(a), matchId(b))(b)).toBe(true);
    expect(matchAllOf(matchMemberOf("prod.example"), matchId(b))(a)).toBe(false);
  });

  it("refuses to build a matcher from a non-canonical identifier", () => {
    expect(() => matchId("spiffe://prod.example/ns/%61")).toThrow(WorkloadIdError);
  });
});
