/**
 * Trust-bundle reload status with the real identity stage: a bundle file replaced by garbage is
 * rejected (the last good bundle stays in force, Checks still verify), and the failure shows in
 * the metrics; a good bundle written back is accepted again.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load.js";
import type { DemoPkiManifest } from "../../src/pki/write.js";
import { demoIdentity } from "../../src/server/runtime/demo-pki.js";
import { createIdentityRuntime } from "../../src/server/runtime/identity.js";
import { allowAll, ScriptedPolicy } from "../server/support/doubles.js";
import { envoyRequest, type Harness, startHarness } from "../server/support/harness.js";
import { derToPem, envoyUrlEncodePem } from "./support/envoy-tls.js";

let dir: string;
let manifest: DemoPkiManifest;
let h: Harness;
let bundleFile: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "wimse-bundle-"));
  const demo = await demoIdentity(join(dir, "pki"));
  manifest = demo.manifest;
  bundleFile =
    demo.trustDomains.find((t) => t.trustDomain === manifest.trustDomains.demo.trustDomain)?.bundleFile ?? "";
  copyFileSync(bundleFile, `${bundleFile}.good`);
  const config = loadConfig({ env: {} });
  const identity = createIdentityRuntime({
    identity: config.identity,
    trustDomains: demo.trustDomains,
    trustedProxies: demo.trustedProxies,
    log: () => {},
  });
  expect(await identity.reload?.()).toMatchObject({ ok: true });
  h = await startHarness({ identity, policy: new ScriptedPolicy(allowAll()) });
}, 120_000);

afterAll(async () => {
  await h?.close();
  rmSync(dir, { recursive: true, force: true });
});

function frontendCert(): string {
  const pem = readFileSync(join(dir, "pki", manifest.workloads.frontend.cert), "utf8");
  const der = Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ""), "base64");
  return envoyUrlEncodePem(derToPem(der));
}

async function metric(name: string): Promise<string> {
  return (await h.service.metrics.registry.metrics()).split("\n").find((l) => l.startsWith(name)) ?? "";
}

async function until(cond: () => Promise<boolean>): Promise<boolean> {
  for (let i = 0; i < 150; i++) {
    if (await cond()) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

describe("trust bundle reload status", () => {
  it("a broken bundle update is rejected and exported; the last good bundle stays in force", {
    timeout: 60_000,
  }, async () => {
    expect(await metric('wimse_authz_last_reload_success{kind="trust_bundle"}')).toMatch(/ 1$/);
    writeFileSync(bundleFile, "{ not a bundle");
    expect(
      await until(async () =>
        / 0$/.test(await metric('wimse_authz_last_reload_success{kind="trust_bundle"}')),
      ),
    ).toBe(true);
    expect(await metric('wimse_authz_reload_failures_total{kind="trust_bundle"}')).toMatch(/ [1-9]\d*$/);
    const res = await h.check(envoyRequest({ certificate: frontendCert(), path: "/api" }));
    expect(res.status?.code).toBe(0);
    expect((await h.checkHealth()).status).toBe(1);
  });

  it("a good bundle written back is accepted", { timeout: 60_000 }, async () => {
    // A new valid revision (the root listed twice, with a higher sequence). The identity stage's
    // sources notify only when the authorities change, so identical content would not be reported.
    const good = JSON.parse(readFileSync(`${bundleFile}.good`, "utf8")) as {
      keys: unknown[];
      spiffe_sequence?: number;
    };
    good.keys = [...good.keys, ...good.keys];
    good.spiffe_sequence = (good.spiffe_sequence ?? 0) + 1;
    writeFileSync(bundleFile, JSON.stringify(good));
    expect(
      await until(async () =>
        / 1$/.test(await metric('wimse_authz_last_reload_success{kind="trust_bundle"}')),
      ),
    ).toBe(true);
  });
});
