/** Receive-size limit, reflection and metrics over a running server. */
import { credentials, type ServiceError } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { allowAll, FakeIdentity, ScriptedPolicy } from "./support/doubles.js";
import { envoyRequest, fakeCert, type Harness, startHarness } from "./support/harness.js";

describe("message size limit", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ identity: new FakeIdentity(), policy: new ScriptedPolicy(allowAll()) }, [
      ["--listen-max-receive-message-bytes", String(64 * 1024)],
    ]);
  });
  afterAll(() => h.close());

  it("a CheckRequest above listen.max_receive_message_bytes fails with RESOURCE_EXHAUSTED", async () => {
    const big = envoyRequest({
      certificate: fakeCert("spiffe://a.example/x"),
      method: "POST",
      body: "x".repeat(80 * 1024),
    });
    const err = (await h.check(big).catch((e: ServiceError) => e)) as ServiceError;
    expect(err.code).toBe(8);
    expect(err.details).toMatch(/larger than max/i);
    // The server is unharmed and the next request is decided.
    const ok = await h.check(envoyRequest({ certificate: fakeCert("spiffe://a.example/x") }));
    expect(ok.status?.code).toBe(0);
  });

  it("the default limit is 4 MiB", async () => {
    const { loadConfig } = await import("../../src/config/load.js");
    expect(loadConfig({ env: {} }).listen.maxReceiveMessageBytes).toBe(4 * 1024 * 1024);
  });
});

describe("reflection", () => {
  it("lists the Authorization and Health services when enabled", async () => {
    const h = await startHarness({ identity: new FakeIdentity(), policy: new ScriptedPolicy(allowAll()) }, [
      ["--listen-reflection", "true"],
    ]);
    try {
      const names = await listServices(h.service.grpcAddress);
      expect(names).toEqual(
        expect.arrayContaining(["envoy.service.auth.v3.Authorization", "grpc.health.v1.Health"]),
      );
    } finally {
      await h.close();
    }
  });

  it("is off by default", async () => {
    const h = await startHarness({ identity: new FakeIdentity(), policy: new ScriptedPolicy(allowAll()) });
    try {
      await expect(listServices(h.service.grpcAddress)).rejects.toMatchObject({ code: 12 });
    } finally {
      await h.close();
    }
  });
});

describe("metrics", () => {
  it("serves checks by decision and reason, latency, identity cache and reload status on /metrics", async () => {
    const h = await startHarness({ identity: new FakeIdentity(), policy: new ScriptedPolicy(allowAll()) });
    try {
      await h.check(envoyRequest({ certificate: fakeCert("spiffe://a.example/x") }));
      await h.check(envoyRequest({}));
      const res = await fetch(`http://127.0.0.1:${h.service.metricsPort}/metrics`);
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(text).toMatch(/wimse_authz_checks_total\{decision="allow",reason="allowed"\} 1/);
      expect(text).toMatch(/wimse_authz_checks_total\{decision="deny",reason="no_certificate"\} 1/);
      expect(text).toMatch(/wimse_authz_check_duration_seconds_count\{decision="allow"\} 1/);
      expect(text).toMatch(/wimse_authz_identity_cache_hits_total 3/);
      expect(text).toMatch(/wimse_authz_identity_cache_misses_total 1/);
      expect(text).toMatch(/wimse_authz_last_reload_success\{kind="policy"\} 1/);
      expect(text).toMatch(/wimse_authz_last_reload_timestamp_seconds\{kind="trust_bundle"\} \d/);
      expect(text).toMatch(/wimse_authz_policy_revision_info\{revision="rev-1"\} 1/);
      expect((await fetch(`http://127.0.0.1:${h.service.metricsPort}/other`)).status).toBe(404);
    } finally {
      await h.close();
    }
  });
});

/** grpc.reflection.v1alpha ServerReflectionInfo list_services, with a hand-encoded request. */
async function listServices(address: string): Promise<string[]> {
  const { makeGenericClientConstructor } = await import("@grpc/grpc-js");
  const id = (b: Buffer) => b;
  const Client = makeGenericClientConstructor(
    {
      info: {
        path: "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
        requestStream: true,
        responseStream: true,
        requestSerialize: id,
        requestDeserialize: id,
        responseSerialize: id,
        responseDeserialize: id,
      },
    },
    "ServerReflection",
  );
  const client = new Client(address, credentials.createInsecure());
  try {
    return await new Promise<string[]>((resolve, reject) => {
      const call = (client as unknown as { info(): NodeJS.ReadWriteStream & { end(): void } }).info();
      const names: string[] = [];
      call.on("data", (b: Buffer) => {
        const text = b.toString("latin1");
        for (const m of text.matchAll(/[a-z0-9]+(?:\.[A-Za-z0-9]+)+/g)) names.push(m[0]);
      });
      call.on("end", () => resolve(names));
      call.on("error", reject);
      // field 7 (list_services, string) = "*"
      call.write(Buffer.from([0x3a, 0x01, 0x2a]));
      call.end();
    });
  } finally {
    client.close();
  }
}
