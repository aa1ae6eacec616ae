/**
 * The default policy in policies/ (with its data), compiled by our compiler at start and enforced
 * end to end with built-in default configuration: real TLS peers from the demo PKI, real identity
 * stage, decisions over gRPC. Driven by policies/data.json: every ACL grant (data.wimse.acl, keyed
 * by the caller's full identifier) whose caller is a demo workload must be allowed, for its first
 * method and path; everything else denied.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { envoyRequest, type Harness } from "../server/support/harness.js";
import { type DemoService, startDemoService } from "./support/demo-service.js";
import type { PeerView } from "./support/envoy-tls.js";

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
  let s: DemoService;
  let h: Harness;
  const peers = new Map<string, PeerView>();

  beforeAll(async () => {
    // Built-in defaults, except the PKI folder and the policy path made absolute.
    s = await startDemoService({ prefix: "wimse-default-", policyDir: POLICIES, pkiDirFlag: true });
    h = s.h;
    expect(s.config.policy.entrypoint).toBe("envoy/authz/allow");
    for (const w of Object.values(s.manifest.workloads)) {
      if (w.revoked) continue;
      peers.set(w.id, await s.envoy.handshake({ cert: s.read(w.chain), key: s.read(w.key) }));
    }
  }, 180_000);

  afterAll(async () => {
    await s?.close();
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
    const peer = peers.get(s.manifest.workloads.frontend.id);
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
