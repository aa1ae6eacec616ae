/**
 * The `wimse-authz` command in a child process, on built-in defaults except ports and folders:
 * `serve` generates the demo PKI on first run, compiles the policy, reports SERVING over gRPC,
 * decides a Check for a real TLS peer, writes the audit line on stdout, and exits 0 on SIGTERM.
 * Also: --help, --version, usage and configuration errors (exit 2, message naming the key).
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { credentials, type ServiceError } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AuthorizationClient,
  type CheckResponse,
} from "../../src/gen/envoy/service/auth/v3/external_auth.js";
import { HealthClient, type HealthCheckResponse } from "../../src/gen/grpc/health/v1/health.js";
import type { DemoPkiManifest } from "../../src/pki/write.js";
import { envoyRequest } from "../server/support/harness.js";
import { startEnvoyListener } from "./support/envoy-tls.js";

const root = join(import.meta.dirname, "../..");
const MAIN = join(root, "src/cli/main.ts");
const hasDefaultPolicy =
  existsSync(join(root, "policies")) && readdirSync(join(root, "policies")).some((f) => f.endsWith(".rego"));
const POLICY_DIR = hasDefaultPolicy ? join(root, "policies") : join(import.meta.dirname, "policy");

function cli(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, ["--import", "tsx", MAIN, ...args], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, ...env },
    timeout: 60_000,
  });
}

describe("wimse-authz command", () => {
  it("--version prints the package version", () => {
    const r = cli(["--version"]);
    const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string };
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(`wimse-authz ${pkg.version}`);
  });

  it("--help lists the commands; serve --help lists every flag", () => {
    const r = cli(["--help"]);
    expect(r.status).toBe(0);
    for (const c of ["serve", "build", "test", "certs"]) expect(r.stdout).toContain(c);
    const s = cli(["serve", "--help"]);
    expect(s.status).toBe(0);
    expect(s.stdout).toContain("--listen-address");
    expect(s.stdout).toContain("WIMSE_AUTHZ_LISTEN_ADDRESS");
  });

  it("an unknown command exits 2 with usage", () => {
    const r = cli(["frobnicate"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("unknown command");
  });

  it("a bad option stops serve with a message naming the key (exit 2)", () => {
    const r = cli(["serve", "--listen-address", "nowhere"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("config: listen.address: expected host:port or unix:///path");
    const e = cli(["serve"], { WIMSE_AUTHZ_DECISION_DENY_STATUS: "42" });
    expect(e.status).toBe(2);
    expect(e.stderr).toContain("config: decision.deny_status:");
  });
});

describe(`wimse-authz serve in a child process (policy: ${hasDefaultPolicy ? "policies/" : "test/e2e/policy"})`, () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "wimse-cli-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("first run: demo PKI generated, SERVING, a real peer's Check decided and audited on stdout, SIGTERM exits 0", {
    timeout: 180_000,
  }, async () => {
    const pkiDir = join(dir, "demo-pki");
    const proc = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        MAIN,
        "serve",
        "--listen-address",
        "127.0.0.1:0",
        "--metrics-address",
        "127.0.0.1:0",
        "--identity-demo-pki-dir",
        pkiDir,
        "--policy-dir",
        POLICY_DIR,
      ],
      { cwd: root, stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    let err = "";
    proc.stdout.on("data", (c: Buffer) => {
      out += c.toString();
    });
    const exited = new Promise<number | null>((r) => proc.on("exit", (code) => r(code)));
    const address = await new Promise<string>((resolve, reject) => {
      proc.stderr.on("data", (c: Buffer) => {
        err += c.toString();
        const m = /\(dial (\S+)\).*health \w+\n/.exec(err);
        if (m) resolve(m[1]);
      });
      proc.on("exit", () => reject(new Error(`serve exited: ${err}`)));
    });
    expect(err).toContain(`generated a demo PKI in ${pkiDir}`);
    expect(err).toMatch(/health SERVING/);
    const manifest = JSON.parse(readFileSync(join(pkiDir, "manifest.json"), "utf8")) as DemoPkiManifest;

    const health = new HealthClient(address, credentials.createInsecure());
    const status = await new Promise<HealthCheckResponse>((res, rej) =>
      health.check({ service: "" }, (e: ServiceError | null, r?: HealthCheckResponse) =>
        e ? rej(e) : res(r as HealthCheckResponse),
      ),
    );
    expect(status.status).toBe(1);

    const pki = (rel: string) => readFileSync(join(pkiDir, rel));
    const envoy = await startEnvoyListener({
      cert: pki(manifest.workloads.envoy.chain),
      key: pki(manifest.workloads.envoy.key),
      clientCas: [pki(manifest.trustDomains.demo.root), pki(manifest.trustDomains.demo2.root)],
      serverCa: [pki(manifest.trustDomains.demo.root)],
    });
    const peer = await envoy.handshake({
      cert: pki(manifest.workloads.frontend.chain),
      key: pki(manifest.workloads.frontend.key),
    });
    await envoy.close();
    const auth = new AuthorizationClient(address, credentials.createInsecure());
    const res = await new Promise<CheckResponse>((resolve, reject) =>
      auth.check(
        envoyRequest({
          certificate: peer.certificate,
          principal: peer.principal,
          path: "/api/orders",
          headers: { "x-request-id": "cli-1" },
        }),
        (e: ServiceError | null, r?: CheckResponse) => (e ? reject(e) : resolve(r as CheckResponse)),
      ),
    );
    expect([0, 7]).toContain(res.status?.code);
    auth.close();
    health.close();

    proc.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(err).toMatch(/SIGTERM: draining/);
    const lines = out
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      request_id: "cli-1",
      source_id: manifest.workloads.frontend.id,
      auth_method: "mtls",
    });
    expect(lines[0].decision).toBe(res.status?.code === 0 ? "allow" : "deny");
    if (!hasDefaultPolicy) expect(lines[0].decision).toBe("allow");
  });
});
