/**
 * Policy reload with the real engine (Rego compiled by our compiler): SIGHUP-style reload and file
 * watching swap in a new revision; a policy that fails to compile is rejected, the last good one
 * stays in force, and the failure is exported as a metric. Decisions are checked over gRPC.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load.js";
import { createPolicyRuntime } from "../../src/server/runtime/policy.js";
import { FakeIdentity } from "../server/support/doubles.js";
import { envoyRequest, fakeCert, type Harness, startHarness } from "../server/support/harness.js";

const rego = (allowed: boolean) =>
  `package envoy.authz\n\nimport rego.v1\n\ndefault allow := false\n\nallow := ${allowed} if input.identity.trustDomain == "a.example"\n`;

let dir: string;
let h: Harness;
const CERT = fakeCert("spiffe://a.example/w");

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "wimse-reload-"));
  writeFileSync(join(dir, "authz.rego"), rego(true));
  const flags: Array<[string, string]> = [
    ["--policy-dir", dir],
    ["--policy-watch", "true"],
  ];
  const config = loadConfig({ env: {}, flags });
  const policy = await createPolicyRuntime(config.policy, () => {});
  expect(policy.ready).toBe(true);
  h = await startHarness({ identity: new FakeIdentity(), policy }, flags);
}, 120_000);

afterAll(async () => {
  await h?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function decide(): Promise<[number | undefined, string | undefined]> {
  await h.check(envoyRequest({ certificate: CERT }));
  const line = (await h.auditLines()).at(-1);
  return [line?.http_status, line?.policy_revision];
}

async function metric(name: string): Promise<string> {
  const text = await h.service.metrics.registry.metrics();
  return text.split("\n").find((l) => l.startsWith(name)) ?? "";
}

describe("policy reload through the running service", () => {
  let first: string | undefined;

  it("serves the initial compiled policy", async () => {
    const [status, revision] = await decide();
    expect(status).toBe(200);
    expect(revision).toMatch(/\S/);
    first = revision;
  });

  it("an explicit reload (SIGHUP) swaps in the new policy and revision", async () => {
    writeFileSync(join(dir, "authz.rego"), rego(false));
    const r = await h.service.reload();
    expect(r.ok).toBe(true);
    const [status, revision] = await decide();
    expect(status).toBe(403);
    expect(revision).not.toBe(first);
    expect(await metric('wimse_authz_last_reload_success{kind="policy"}')).toMatch(/ 1$/);
  });

  it("a policy that does not compile is rejected: last good stays, failure exported", async () => {
    const [, before] = await decide();
    writeFileSync(join(dir, "authz.rego"), "package envoy.authz\n\nallow if {{{ broken\n");
    const r = await h.service.reload();
    expect(r.ok).toBe(false);
    expect(r.error).toMatch(/\S/);
    const [status, revision] = await decide();
    expect(status).toBe(403);
    expect(revision).toBe(before);
    expect(await metric('wimse_authz_reload_failures_total{kind="policy"}')).toMatch(/ [1-9]\d*$/);
    expect(await metric('wimse_authz_last_reload_success{kind="policy"}')).toMatch(/ 0$/);
    expect((await h.checkHealth()).status).toBe(1);
  });

  it("a file change is picked up by the watcher", { timeout: 60_000 }, async () => {
    writeFileSync(join(dir, "authz.rego"), rego(true));
    let status: number | undefined;
    for (let i = 0; i < 100 && status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 200));
      [status] = await decide();
    }
    expect(status).toBe(200);
    expect(await metric('wimse_authz_last_reload_success{kind="policy"}')).toMatch(/ 1$/);
  });
});
