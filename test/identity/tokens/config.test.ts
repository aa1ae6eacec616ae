/** TokenConfig validation: every rejection names its key; defaults are applied. */
import { describe, expect, it } from "vitest";
import {
  createTokenAuthenticator,
  DEFAULT_ALGORITHMS,
  staticWitKeys,
  type TokenConfig,
  TokenConfigError,
  validateTokenConfig,
} from "../../../src/identity/tokens/index.js";
import { formatWitJwks, newKeyPair } from "../../../src/pki/tokens.js";

const keys = staticWitKeys(formatWitJwks([newKeyPair("ES256", "k")]), "jwks");
const base: TokenConfig = {
  targets: ["https://c.example/api"],
  trustDomains: { "demo.example": { keys: [keys] } },
};

describe("validateTokenConfig", () => {
  it("applies the defaults", () => {
    const r = validateTokenConfig(base);
    expect(r.algorithms).toEqual(DEFAULT_ALGORITHMS);
    expect(r).toMatchObject({
      clockSkewSeconds: 60,
      wptMaxLifetimeSeconds: 300,
      maxWitLifetimeSeconds: 86400,
      proof: "either",
      otherTokenHeaders: [],
      allowIpTrustDomains: false,
    });
  });

  const cases: [string, Partial<TokenConfig>, string][] = [
    ["no targets", { targets: [] }, "tokens.targets"],
    ["a relative target", { targets: ["/api"] }, "tokens.targets[0]"],
    ["a target with a query", { targets: ["https://c.example/api?x=1"] }, "tokens.targets[0]"],
    ["a target with a fragment", { targets: ["https://c.example/api#f"] }, "tokens.targets[0]"],
    ["a target with userinfo", { targets: ["https://u:p@c.example/api"] }, "tokens.targets[0]"],
    ["alg none", { algorithms: ["ES256", "none"] }, "tokens.algorithms[1]"],
    ["HS256", { algorithms: ["HS256"] }, "tokens.algorithms[0]"],
    ["an unknown algorithm", { algorithms: ["ES512"] }, "tokens.algorithms[0]"],
    ["an empty algorithm list", { algorithms: [] }, "tokens.algorithms"],
    ["no trust domain", { trustDomains: {} }, "tokens.trustDomains"],
    [
      "a trust domain without keys",
      { trustDomains: { "demo.example": { keys: [] } } },
      "tokens.trustDomains.demo.example.keys",
    ],
    [
      "an upper-case trust domain",
      { trustDomains: { "Demo.example": { keys: [keys] } } },
      "tokens.trustDomains.Demo.example",
    ],
    [
      "a trust domain with an empty label",
      { trustDomains: { "demo..example": { keys: [keys] } } },
      "tokens.trustDomains.demo..example",
    ],
    [
      "a trust domain with a trailing dot",
      { trustDomains: { "demo.example.": { keys: [keys] } } },
      "tokens.trustDomains.demo.example.",
    ],
    [
      "an IP-address trust domain",
      { trustDomains: { "10.0.0.1": { keys: [keys] } } },
      "tokens.trustDomains.10.0.0.1",
    ],
    [
      "an https origin",
      { trustDomains: { "https://demo.example": { keys: [keys] } } },
      "tokens.trustDomains.https://demo.example",
    ],
    [
      "a key source with both file and url",
      { trustDomains: { "demo.example": { keys: [{ format: "jwks", file: "/x", url: "https://x/" }] } } },
      "tokens.trustDomains.demo.example.keys[0]",
    ],
    [
      "a key source with neither file nor url",
      { trustDomains: { "demo.example": { keys: [{ format: "jwks" }] } } },
      "tokens.trustDomains.demo.example.keys[0]",
    ],
    [
      "an http key URL",
      { trustDomains: { "demo.example": { keys: [{ format: "jwks", url: "http://x/keys" }] } } },
      "tokens.trustDomains.demo.example.keys[0].url",
    ],
    [
      "an unknown key format",
      { trustDomains: { "demo.example": { keys: [{ format: "pem" as "jwks", file: "/x" }] } } },
      "tokens.trustDomains.demo.example.keys[0].format",
    ],
    [
      "an empty issuer",
      { trustDomains: { "demo.example": { keys: [keys], issuers: [""] } } },
      "tokens.trustDomains.demo.example.issuers",
    ],
    ["a negative skew", { clockSkewSeconds: -1 }, "tokens.clockSkewSeconds"],
    ["a zero WPT lifetime", { wptMaxLifetimeSeconds: 0 }, "tokens.wptMaxLifetimeSeconds"],
    ["a fractional WIT lifetime", { maxWitLifetimeSeconds: 1.5 }, "tokens.maxWitLifetimeSeconds"],
    ["an unknown proof kind", { proof: "bearer" as "wpt" }, "tokens.proof"],
    ["an upper-case other-token header", { otherTokenHeaders: ["X-Token"] }, "tokens.otherTokenHeaders[0]"],
    [
      "authorization as an other-token header",
      { otherTokenHeaders: ["authorization"] },
      "tokens.otherTokenHeaders[0]",
    ],
    ["a zero replay cache", { replay: { maxEntries: 0 } }, "tokens.replay.maxEntries"],
  ];
  it.each(cases)("rejects %s", (_name, patch, key) => {
    let error: unknown;
    try {
      validateTokenConfig({ ...base, ...patch });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TokenConfigError);
    expect((error as TokenConfigError).key).toBe(key);
  });

  it("createTokenAuthenticator refuses an invalid configuration", () => {
    expect(() => createTokenAuthenticator({ ...base, algorithms: ["none"] })).toThrow(TokenConfigError);
  });
});
