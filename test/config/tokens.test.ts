/**
 * The `tokens:` configuration section: defaults, every rejection naming its key, and the mapping
 * onto the token stage's TokenConfig (configured key sources, or the demo PKI's WIT issuers).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ConfigError } from "../../src/config/errors.js";
import { loadConfig } from "../../src/config/load.js";
import { DEMO_TOKEN_TARGETS } from "../../src/pki/demo.js";
import { generateDemoPki } from "../../src/pki/write.js";
import { createTokenRuntime, tokenConfigFrom } from "../../src/server/runtime/tokens.js";

function problem(yamlText: string, flags: Array<[string, string]> = []): ConfigError {
  try {
    loadConfig({ yamlText, env: {}, flags });
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error(`expected a ConfigError for ${yamlText}`);
}

const TD = "tokens:\n  targets: [https://c.example]\n  trust_domains:\n";

describe("tokens: defaults", () => {
  it("token caller, transport required, either proof, 300 s proofs, asymmetric algorithms only", () => {
    const t = loadConfig({ env: {} }).tokens;
    expect(t).toEqual({
      targets: [],
      trustDomains: [],
      algorithms: ["ES256", "ES384", "EdDSA", "PS256", "RS256"],
      clockSkewSeconds: 60,
      witMaxLifetimeSeconds: 86_400,
      proofMaxLifetimeSeconds: 300,
      proof: "either",
      replayCacheMaxEntries: 100_000,
      otherTokenHeaders: [],
      caller: "token",
      requireTransport: true,
    });
  });

  it("reads every option from YAML, environment and flags", () => {
    const c = loadConfig({
      yamlText: `${TD}    - trust_domain: spiffe://a.example\n      jwks_url: https://keys.a.example/jwks\n      endpoint_ca_file: ca.pem\n      issuers: [https://issuer.a.example]\n    - trust_domain: b.example\n      bundle_file: b.json\n`,
      env: { WIMSE_AUTHZ_TOKENS_CALLER: "transport", WIMSE_AUTHZ_TOKENS_ALGORITHMS: "ES256,EdDSA" },
      flags: [
        ["--tokens-require-transport", "false"],
        ["--tokens-proof", "wpt"],
        ["--tokens-other-token-headers", "x-other-token"],
      ],
    });
    expect(c.tokens).toMatchObject({
      targets: ["https://c.example"],
      caller: "transport",
      requireTransport: false,
      proof: "wpt",
      algorithms: ["ES256", "EdDSA"],
      otherTokenHeaders: ["x-other-token"],
      trustDomains: [
        {
          trustDomain: "spiffe://a.example",
          jwksUrl: "https://keys.a.example/jwks",
          endpointCaFile: "ca.pem",
          issuers: ["https://issuer.a.example"],
        },
        { trustDomain: "b.example", bundleFile: "b.json", issuers: [] },
      ],
    });
  });
});

describe("tokens: refused configurations name the key", () => {
  it.each([
    ["tokens:\n  algorithms: [none]\n", "tokens.algorithms", /asymmetric/],
    ["tokens:\n  algorithms: [HS256]\n", "tokens.algorithms", /asymmetric/],
    ["tokens:\n  algorithms: [ES256, XX1]\n", "tokens.algorithms", /unknown algorithm/],
    ["tokens:\n  algorithms: []\n", "tokens.algorithms", /at least one/],
    ["tokens:\n  targets: [https://c.example/?a=1]\n", "tokens.targets", /query or fragment/],
    ["tokens:\n  targets: ['https://c.example/#f']\n", "tokens.targets", /query or fragment/],
    ["tokens:\n  targets: [c.example]\n", "tokens.targets", /not a URI/],
    ["tokens:\n  targets: [ftp://c.example]\n", "tokens.targets", /https/],
    ["tokens:\n  targets: ['https://u:p@c.example']\n", "tokens.targets", /user info/],
    ["tokens:\n  proof: bearer\n", "tokens.proof", /wpt, http-sig or either/],
    ["tokens:\n  caller: proxy\n", "tokens.caller", /token or transport/],
    ["tokens:\n  require_transport: maybe\n", "tokens.require_transport", /true or false/],
    ["tokens:\n  proof_max_lifetime_seconds: 0\n", "tokens.proof_max_lifetime_seconds", /between 1/],
    ["tokens:\n  clock_skew_seconds: 3600\n", "tokens.clock_skew_seconds", /between 0 and 600/],
    ["tokens:\n  replay_cache_max_entries: 0\n", "tokens.replay_cache_max_entries", /between 1/],
    ["tokens:\n  other_token_headers: [X-Upper]\n", "tokens.other_token_headers", /lower-case/],
    ["tokens:\n  nonsense: 1\n", "tokens.nonsense", /unknown option/],
    [
      "tokens:\n  trust_domains:\n    - trust_domain: a.example\n      jwks_file: a.json\n",
      "tokens.targets",
      /target URIs/,
    ],
    [`${TD}    - trust_domain: a.example\n`, "tokens.trust_domains[0]", /exactly one of/],
    [
      `${TD}    - trust_domain: a.example\n      jwks_file: a.json\n      bundle_file: b.json\n`,
      "tokens.trust_domains[0]",
      /exactly one of/,
    ],
    [
      `${TD}    - trust_domain: a.example\n      jwks_url: http://keys\n`,
      "tokens.trust_domains[0].jwks_url",
      /https/,
    ],
    [
      `${TD}    - trust_domain: a.example\n      jwks_file: ""\n`,
      "tokens.trust_domains[0].jwks_file",
      /file path/,
    ],
    [
      `${TD}    - trust_domain: a.example\n      jwks_file: a.json\n      endpoint_ca_file: ca.pem\n`,
      "tokens.trust_domains[0].endpoint_ca_file",
      /only with/,
    ],
    [
      `${TD}    - trust_domain: a.example\n      jwks_file: a.json\n      issuers: [""]\n`,
      "tokens.trust_domains[0].issuers",
      /issuer strings/,
    ],
    [
      `${TD}    - trust_domain: A.Example\n      jwks_file: a.json\n`,
      "tokens.trust_domains[0].trust_domain",
      /trust domain/,
    ],
    [
      `${TD}    - trust_domain: a.example\n      jwks_file: a.json\n    - trust_domain: spiffe://a.example\n      jwks_file: b.json\n`,
      "tokens.trust_domains[1].trust_domain",
      /twice/,
    ],
    [
      `${TD}    - trust_domain: a.example\n      jwks_file: a.json\n      kid: x\n`,
      "tokens.trust_domains[0].kid",
      /unknown option/,
    ],
    ["tokens:\n  trust_domains: {a: 1}\n", "tokens.trust_domains", /expected a list/],
  ])("%j -> %s", (yaml, key, message) => {
    const e = problem(yaml);
    expect(e.key).toBe(key);
    expect(e.problem).toMatch(message);
  });
});

describe("tokens: mapping onto the token stage", () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it("configured key sources: one per trust domain, issuers only when listed, every limit carried over", () => {
    const c = loadConfig({
      yamlText: `${TD}    - trust_domain: spiffe://a.example\n      jwks_file: a.json\n      issuers: [i]\n    - trust_domain: b.example\n      bundle_url: https://b.example/bundle\n`,
      env: {},
      flags: [["--tokens-proof-max-lifetime-seconds", "120"]],
    });
    expect(tokenConfigFrom(c)).toEqual({
      targets: ["https://c.example"],
      trustDomains: {
        "spiffe://a.example": { keys: [{ format: "jwks", file: "a.json" }], issuers: ["i"] },
        "b.example": { keys: [{ format: "spiffe", url: "https://b.example/bundle" }] },
      },
      algorithms: ["ES256", "ES384", "EdDSA", "PS256", "RS256"],
      clockSkewSeconds: 60,
      maxWitLifetimeSeconds: 86_400,
      wptMaxLifetimeSeconds: 120,
      proof: "either",
      otherTokenHeaders: [],
      replay: { maxEntries: 100_000 },
    });
  });

  it("nothing configured and no demo PKI: no token stage (token requests are then denied)", () => {
    expect(tokenConfigFrom(loadConfig({ env: {} }))).toBeUndefined();
  });

  it("built-in defaults: the demo PKI's WIT issuers (SPIFFE bundles) and demo targets; the stage loads them", async () => {
    const dir = mkdtempSync(join(tmpdir(), "wimse-token-config-"));
    dirs.push(dir);
    const manifest = await generateDemoPki(join(dir, "pki"));
    const c = loadConfig({ env: {} });
    const tc = tokenConfigFrom(c, { dir: join(dir, "pki"), manifest });
    expect(tc?.targets).toEqual(Object.values(DEMO_TOKEN_TARGETS));
    expect(tc?.trustDomains).toEqual({
      "spiffe://demo.wimse-authz.local": {
        keys: [{ format: "spiffe", file: join(dir, "pki/demo/bundle.spiffe.json") }],
      },
      "wimse://demo2.wimse-authz.local": {
        keys: [{ format: "spiffe", file: join(dir, "pki/demo2/bundle.spiffe.json") }],
      },
    });
    const lines: string[] = [];
    const stage = await createTokenRuntime({
      config: c,
      demo: { dir: join(dir, "pki"), manifest },
      log: (l) => lines.push(l),
    });
    expect(stage).toBeDefined();
    expect(lines.join("\n")).toMatch(/WIT keys loaded/);
    stage?.close();
    // Configured targets win over the demo ones.
    const own = loadConfig({ env: {}, flags: [["--tokens-targets", "https://mine.example"]] });
    expect(tokenConfigFrom(own, { dir: join(dir, "pki"), manifest })?.targets).toEqual([
      "https://mine.example",
    ]);
  });
});
