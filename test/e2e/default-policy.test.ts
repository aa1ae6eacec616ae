/**
 * The default policy in policies/ (with its data), compiled by our compiler at start and enforced
 * end to end with built-in default configuration: real TLS peers from the demo PKI, real identity
 * stage, decisions over gRPC. Driven by policies/data.json: every ACL grant (data.wimse.acl, keyed
 * by the caller's full identifier) whose caller is a demo workload must be allowed, for its first
 * method and path; everything else denied.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load.js";
import type { DemoPkiManifest } from "../../src/pki/write.js";
import { demoIdentity } from "../../src/server/runtime/demo-pki.js";
import { createIdentityRuntime } from "../../src/server/runtime/identity.js";
import { createPolicyRuntime } from "../../src/server/runtime/policy.js";
import { envoyRequest, type Harness, startHarness } from "../server/support/harness.js";
import { type EnvoyListener, type PeerView, startEnvoyListener } from "./support/envoy-tls.js";

const root = join(import.meta.dirname, "../..");
const POLICIES = join(root, "policies");
const present =
  existsSync(join(POLICIES, "envoy")) &&
  existsSync(join(POLICIES, "data.json")) &&
  readdirSync(join(POLICIES, "envoy")).some((f) => f.endsWith(".rego") && !f.endsWith("_test.rego"));

interface AclGrant {
  name: string;
  destination?: string;
  methods: string[];
  paths: string[];
}

/** One row per grant: data.wimse.acl maps a caller's full identifier to its list of grants. */
type AclEntry = AclGrant & { source: string };

describe.skipIf(!present)("default policy (policies/) enforced end to end on built-in defaults", () => {
  let dir: string;
  let manifest: DemoPkiManifest;
  let envoy: EnvoyListener;
  let h: Harness;
  const peers = new Map<string, PeerView>();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "wimse-default-"));
    const pkiDir = join(dir, "demo-pki");
    const demo = await demoIdentity(pkiDir);
    manifest = demo.manifest;
    const pki = (rel: string) => readFileSync(join(pkiDir, rel));
    envoy = await startEnvoyListener({
      cert: pki(manifest.workloads.envoy.chain),
      key: pki(manifest.workloads.envoy.key),
      clientCas: [pki(manifest.trustDomains.demo.root), pki(manifest.trustDomains.demo2.root)],
      serverCa: [pki(manifest.trustDomains.demo.root)],
    });
    for (const w of Object.values(manifest.workloads)) {
      if (w.revoked) continue;
      peers.set(w.id, await envoy.handshake({ cert: pki(w.chain), key: pki(w.key) }));
    }
    // Built-in defaults, except the PKI folder and the policy path made absolute.
    const flags: Array<[string, string]> = [
      ["--identity-demo-pki-dir", pkiDir],
      ["--policy-dir", POLICIES],
    ];
    const config = loadConfig({ env: {}, flags });
    expect(config.policy.entrypoint).toBe("envoy/authz/allow");
    const identity = createIdentityRuntime({
      identity: config.identity,
      trustDomains: demo.trustDomains,
      trustedProxies: demo.trustedProxies,
      log: () => {},
    });
    expect(await identity.reload?.()).toMatchObject({ ok: true });
    const policy = await createPolicyRuntime(config.policy, (l) => process.stderr.write(`${l}\n`));
    expect(policy.ready, "the default policy compiles with our compiler").toBe(true);
    h = await startHarness({ identity, policy }, flags);
  }, 180_000);

  afterAll(async () => {
    await h?.close();
    await envoy?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const raw = present
    ? (JSON.parse(readFileSync(join(POLICIES, "data.json"), "utf8")) as {
        wimse: { acl: Record<string, AclGrant[]>; open_paths: string[] };
      })
    : { wimse: { acl: {}, open_paths: [] } };
  const data = {
    wimse: {
      ...raw.wimse,
      acl: Object.entries(raw.wimse.acl).flatMap(([source, grants]): AclEntry[] =>
        grants.map((g) => ({ ...g, source })),
      ),
    },
  };

  it("is SERVING", async () => {
    expect((await h.checkHealth()).status).toBe(1);
  });

  it.each(data.wimse.acl.map((e) => ({ ...e })))(
    "ACL $name: allowed for its source, denied for another",
    async (entry) => {
      const peer = peers.get(entry.source);
      if (!peer) throw new Error(`ACL source ${entry.source} is not a demo workload`);
      const path = entry.paths[0].endsWith("/") ? `${entry.paths[0]}x` : `${entry.paths[0]}/x`;
      const req = (p: PeerView) =>
        envoyRequest({
          certificate: p.certificate,
          principal: p.principal,
          destination: entry.destination,
          method: entry.methods[0],
          path: `${path}?q=1`,
          headers: { "content-type": "application/json" },
          body: entry.methods[0] === "POST" ? "{}" : "",
        });
      const ok = await h.check(req(peer));
      expect(ok.status?.code, `${entry.name}: ${(await h.auditLines()).at(-1)?.reason}`).toBe(0);
      const line = (await h.auditLines()).at(-1);
      expect(line).toMatchObject({ decision: "allow", source_id: entry.source, auth_method: "mtls" });
      const other = [...peers.entries()].find(
        ([id]) =>
          id !== entry.source &&
          !data.wimse.acl.some((e) => e.source === id && e.destination === entry.destination),
      );
      if (other) {
        const denied = await h.check(req(other[1]));
        expect(denied.status?.code, `${other[0]} must not get ${entry.name}`).toBe(7);
        expect((await h.auditLines()).at(-1)).toMatchObject({ decision: "deny", source_id: other[0] });
      }
    },
  );

  it("a path no rule grants is denied by the policy", async () => {
    const peer = peers.get(manifest.workloads.frontend.id);
    if (!peer) throw new Error("no frontend peer");
    const res = await h.check(
      envoyRequest({
        certificate: peer.certificate,
        principal: peer.principal,
        path: "/definitely-not-granted",
      }),
    );
    expect(res.status?.code).toBe(7);
    expect((await h.auditLines()).at(-1)).toMatchObject({ decision: "deny", reason_code: "policy_denied" });
  });

  it.each(data.wimse.open_paths.map((p) => ({ p })))(
    "open path $p is allowed without a certificate",
    async ({ p }) => {
      const res = await h.check(envoyRequest({ path: p }));
      expect(res.status?.code).toBe(0);
      expect(res.okResponse?.headersToRemove).toContain("x-wimse-workload-id");
    },
  );

  it("any other path without a certificate is denied by identity before the policy", async () => {
    const res = await h.check(envoyRequest({ path: "/api/orders" }));
    expect(res.status?.code).toBe(7);
    expect((await h.auditLines()).at(-1)).toMatchObject({ decision: "deny", reason_code: "no_certificate" });
  });
});
