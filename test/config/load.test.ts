import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/config/errors.js";
import { loadConfig } from "../../src/config/load.js";
import { OPTIONS } from "../../src/config/schema.js";
import { envName, flagName } from "../../src/config/sources.js";

const root = join(import.meta.dirname, "../..");

function problem(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error("expected a ConfigError");
}

describe("configuration defaults", () => {
  it("are the built-in demo: 0.0.0.0:9191, 4 MiB, metrics 9464, policies/, envoy/authz/allow, demo-pki", () => {
    const c = loadConfig({ env: {} });
    expect(c.listen.address).toBe("0.0.0.0:9191");
    expect(c.listen.maxReceiveMessageBytes).toBe(4194304);
    expect(c.listen.reflection).toBe(false);
    expect(c.metrics.address).toBe("0.0.0.0:9464");
    expect(c.policy.dir).toBe("policies");
    expect(c.policy.entrypoint).toBe("envoy/authz/allow");
    expect(c.identity.demoPkiDir).toBe("demo-pki");
    expect(c.identity.trustDomains).toEqual([]);
    expect(c.decision.headers.workloadId).toBe("x-wimse-workload-id");
    expect(c.audit.output).toBe("stdout");
    expect(c.identity.optional).toEqual([
      { path: "/healthz", methods: ["GET", "HEAD"] },
      { path: "/readyz", methods: ["GET", "HEAD"] },
    ]);
  });
});

describe("the example configuration", () => {
  it("examples/config.yaml validates and sets every option", () => {
    const file = join(root, "examples/config.yaml");
    const c = loadConfig({ file, env: {} });
    expect(c.identity.optional).toEqual([
      { path: "/healthz", methods: ["GET", "HEAD"] },
      { path: "/readyz", methods: ["GET", "HEAD"] },
    ]);
    const text = readFileSync(file, "utf8");
    for (const o of OPTIONS) {
      const leaf = o.key.split(".").at(-1);
      expect(text, `examples/config.yaml documents ${o.key}`).toContain(`${leaf}:`);
    }
  });

  it("README or the operator guide documents every option", () => {
    const docs =
      readFileSync(join(root, "README.md"), "utf8") +
      readFileSync(join(root, "docs/operator-guide.md"), "utf8");
    for (const o of OPTIONS) expect(docs, o.key).toContain(`\`${o.key}\``);
  });
});

describe("precedence: file < environment < flags", () => {
  it("applies each layer", () => {
    const yamlText = "listen:\n  address: 10.0.0.1:1000\n  reflection: true\npolicy:\n  entrypoint: a/b\n";
    const c = loadConfig({
      yamlText,
      env: { WIMSE_AUTHZ_LISTEN_ADDRESS: "10.0.0.2:2000", WIMSE_AUTHZ_POLICY_ENTRYPOINT: "c/d" },
      flags: [["--policy-entrypoint", "e/f"]],
    });
    expect(c.listen.address).toBe("10.0.0.2:2000");
    expect(c.listen.reflection).toBe(true);
    expect(c.policy.entrypoint).toBe("e/f");
  });

  it("parses lists, booleans, integers and JSON from text", () => {
    const c = loadConfig({
      env: {
        WIMSE_AUTHZ_IDENTITY_TRUSTED_PROXIES: "spiffe://a/p, spiffe://b/q",
        WIMSE_AUTHZ_DECISION_DRY_RUN: "yes",
        WIMSE_AUTHZ_REQUEST_MAX_HEADERS_COUNT: "50",
        WIMSE_AUTHZ_IDENTITY_OPTIONAL: '[{"path":"/ping"}]',
      },
    });
    expect(c.identity.trustedProxies).toEqual(["spiffe://a/p", "spiffe://b/q"]);
    expect(c.decision.dryRun).toBe(true);
    expect(c.request.maxHeadersCount).toBe(50);
    expect(c.identity.optional).toEqual([{ path: "/ping", methods: [] }]);
  });

  it("names flags and variables after the key", () => {
    expect(flagName("listen.tls.cert_file")).toBe("--listen-tls-cert-file");
    expect(envName("listen.tls.cert_file")).toBe("WIMSE_AUTHZ_LISTEN_TLS_CERT_FILE");
  });

  it("reads the file named by WIMSE_AUTHZ_CONFIG", () => {
    const dir = mkdtempSync(join(tmpdir(), "wimse-cfg-"));
    try {
      const file = join(dir, "c.yaml");
      writeFileSync(file, "audit:\n  output: stderr\n");
      expect(loadConfig({ env: { WIMSE_AUTHZ_CONFIG: file } }).audit.output).toBe("stderr");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("validation names the bad key", () => {
  const cases: Array<
    [
      string,
      { yamlText?: string; env?: Record<string, string>; flags?: Array<[string, string]> },
      string,
      RegExp,
    ]
  > = [
    [
      "bad address",
      { yamlText: "listen:\n  address: nowhere\n" },
      "listen.address",
      /expected host:port or unix:\/\/\/path/,
    ],
    [
      "port out of range",
      { flags: [["--listen-address", "0.0.0.0:70000"]] },
      "listen.address",
      /out of range/,
    ],
    ["empty unix path", { yamlText: "listen:\n  address: unix://\n" }, "listen.address", /unix/],
    ["unknown key", { yamlText: "listen:\n  adress: 1.2.3.4:5\n" }, "listen.adress", /unknown option/],
    ["unknown section", { yamlText: "lisen: {}\n" }, "lisen", /unknown option/],
    ["wrong type", { yamlText: "listen:\n  reflection: maybe\n" }, "listen.reflection", /true or false/],
    [
      "negative size",
      { yamlText: "listen:\n  max_receive_message_bytes: -1\n" },
      "listen.max_receive_message_bytes",
      /between/,
    ],
    [
      "float size",
      { yamlText: "listen:\n  max_receive_message_bytes: 1.5\n" },
      "listen.max_receive_message_bytes",
      /integer/,
    ],
    ["bad status", { yamlText: "decision:\n  deny_status: 99\n" }, "decision.deny_status", /HTTP status/],
    [
      "bad header name",
      { yamlText: "decision:\n  headers:\n    workload_id: X Bad\n" },
      "decision.headers.workload_id",
      /header name/,
    ],
    [
      "bad entrypoint",
      { yamlText: "policy:\n  entrypoint: /x/\n" },
      "policy.entrypoint",
      /envoy\/authz\/allow/,
    ],
    ["bad eku", { yamlText: "identity:\n  eku: any\n" }, "identity.eku", /clientAuth/],
    [
      "untrusted policy",
      { yamlText: "identity:\n  forwarded_cert_from_untrusted: allow\n" },
      "identity.forwarded_cert_from_untrusted",
      /deny or ignore/,
    ],
    [
      "trust domain without bundle",
      { yamlText: "identity:\n  trust_domains:\n    - trust_domain: a.example\n" },
      "identity.trust_domains[0]",
      /exactly one of bundle_file and bundle_url/,
    ],
    [
      "trust domain with both bundle forms",
      {
        yamlText:
          "identity:\n  trust_domains:\n    - {trust_domain: a, bundle_file: x, bundle_url: 'https://b/'}\n",
      },
      "identity.trust_domains[0]",
      /exactly one/,
    ],
    [
      "bundle URL not https",
      { yamlText: "identity:\n  trust_domains:\n    - {trust_domain: a, bundle_url: 'http://b/'}\n" },
      "identity.trust_domains[0].bundle_url",
      /https/,
    ],
    [
      "empty bundle file",
      { yamlText: "identity:\n  trust_domains:\n    - {trust_domain: a, bundle_file: ''}\n" },
      "identity.trust_domains[0].bundle_file",
      /file path/,
    ],
    [
      "trust domain bad name",
      { yamlText: "identity:\n  trust_domains:\n    - trust_domain: A B\n      bundle_file: x\n" },
      "identity.trust_domains[0].trust_domain",
      /trust domain/,
    ],
    [
      "trust domain unknown key",
      { yamlText: "identity:\n  trust_domains:\n    - trust_domain: a\n      bundle_file: x\n      ca: y\n" },
      "identity.trust_domains[0].ca",
      /unknown option/,
    ],
    [
      "duplicate trust domain",
      {
        yamlText:
          "identity:\n  trust_domains:\n    - {trust_domain: a, bundle_file: x}\n    - {trust_domain: a, bundle_file: y}\n",
      },
      "identity.trust_domains[1].trust_domain",
      /twice/,
    ],
    [
      "crl url scheme",
      {
        yamlText:
          "identity:\n  trust_domains:\n    - {trust_domain: a, bundle_file: x, crl_urls: [ftp://x]}\n",
      },
      "identity.trust_domains[0].crl_urls",
      /http/,
    ],
    [
      "optional without path",
      { yamlText: "identity:\n  optional:\n    - methods: [GET]\n" },
      "identity.optional[0]",
      /exactly one of path or path_prefix/,
    ],
    [
      "optional lower-case method",
      { yamlText: "identity:\n  optional:\n    - {path: /a, methods: [get]}\n" },
      "identity.optional[0].methods",
      /upper-case/,
    ],
    [
      "optional relative path",
      { yamlText: "identity:\n  optional:\n    - path_prefix: healthz\n" },
      "identity.optional[0].path_prefix",
      /starting with/,
    ],
    [
      "cert without key",
      { yamlText: "listen:\n  tls:\n    cert_file: a.pem\n" },
      "listen.tls.key_file",
      /go together/,
    ],
    [
      "client CA without cert",
      { yamlText: "listen:\n  tls:\n    client_ca_file: ca.pem\n" },
      "listen.tls.client_ca_file",
      /needs/,
    ],
    [
      "allowlist without client CA",
      {
        yamlText:
          "listen:\n  tls:\n    cert_file: a\n    key_file: b\n    allowed_client_ids: [spiffe://x/y]\n",
      },
      "listen.tls.allowed_client_ids",
      /client_ca_file/,
    ],
    [
      "same port for metrics",
      {
        flags: [
          ["--listen-address", "0.0.0.0:9000"],
          ["--metrics-address", "0.0.0.0:9000"],
        ],
      },
      "metrics.address",
      /differ/,
    ],
    ["metrics path", { flags: [["--metrics-path", "metrics"]] }, "metrics.path", /starting with/],
    [
      "unknown env",
      { env: { WIMSE_AUTHZ_LISTEN_ADRESS: "x" } },
      "WIMSE_AUTHZ_LISTEN_ADRESS",
      /unknown environment variable/,
    ],
    ["bad env int", { env: { WIMSE_AUTHZ_SHUTDOWN_GRACE_MS: "soon" } }, "shutdown.grace_ms", /integer/],
    [
      "bad env bool",
      { env: { WIMSE_AUTHZ_LISTEN_REFLECTION: "sure" } },
      "listen.reflection",
      /true or false/,
    ],
    ["bad env json", { env: { WIMSE_AUTHZ_IDENTITY_OPTIONAL: "[" } }, "identity.optional", /JSON/],
    ["unknown flag", { flags: [["--listen-adress", "x"]] }, "--listen-adress", /unknown flag/],
    ["invalid YAML", { yamlText: "listen: [\n" }, "(file)", /invalid YAML/],
    ["YAML not a mapping", { yamlText: "- a\n" }, "(file)", /mapping/],
    ["empty audit output", { yamlText: "audit:\n  output: ''\n" }, "audit.output", /stdout/],
  ];
  it.each(cases.map(([name, src, key, re]) => ({ name, src, key, re })))(
    "$name -> $key",
    ({ src, key, re }) => {
      const e = problem(() => loadConfig({ env: {}, ...src }));
      expect(e.key).toBe(key);
      expect(e.message.startsWith(`config: ${key}: `)).toBe(true);
      expect(e.message).toMatch(re);
    },
  );

  it("a missing config file is reported", () => {
    const e = problem(() => loadConfig({ file: "/nonexistent/wimse.yaml", env: {} }));
    expect(e.message).toMatch(/cannot read/);
    expect(existsSync("/nonexistent/wimse.yaml")).toBe(false);
  });
});
