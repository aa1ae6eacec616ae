/** grpc.health.v1 over real gRPC: SERVING only when bundles and policy are loaded; NOT_SERVING while draining. */
import type { ClientReadableStream, ServiceError } from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import type { HealthCheckResponse } from "../../src/gen/grpc/health/v1/health.js";
import { allowAll, FakeIdentity, ScriptedPolicy } from "./support/doubles.js";
import { startHarness } from "./support/harness.js";

const SERVING = 1;
const NOT_SERVING = 2;

describe("health over gRPC", () => {
  it("NOT_SERVING until the policy loads, SERVING after, for '' and the Authorization service", async () => {
    const policy = new ScriptedPolicy(allowAll());
    policy.ready = false;
    const h = await startHarness({ identity: new FakeIdentity(), policy });
    try {
      expect((await h.checkHealth("")).status).toBe(NOT_SERVING);
      expect((await h.checkHealth("envoy.service.auth.v3.Authorization")).status).toBe(NOT_SERVING);
      await h.service.reload();
      expect((await h.checkHealth("")).status).toBe(SERVING);
      expect((await h.checkHealth("envoy.service.auth.v3.Authorization")).status).toBe(SERVING);
      await expect(h.checkHealth("no.such.Service")).rejects.toMatchObject({ code: 5 });
    } finally {
      await h.close();
    }
  });

  it("NOT_SERVING while trust bundles are not loaded", async () => {
    const identity = new FakeIdentity();
    identity.ready = false;
    const h = await startHarness({ identity, policy: new ScriptedPolicy(allowAll()) });
    try {
      expect((await h.checkHealth("")).status).toBe(NOT_SERVING);
    } finally {
      await h.close();
    }
  });

  it("a failed reload keeps the last good policy and SERVING; the failure is exported as a metric", async () => {
    const policy = new ScriptedPolicy(allowAll());
    const h = await startHarness({ identity: new FakeIdentity(), policy });
    try {
      policy.failNextReload = true;
      const r = await h.service.reload();
      expect(r.ok).toBe(false);
      expect((await h.checkHealth("")).status).toBe(SERVING);
      const text = await h.service.metrics.registry.metrics();
      expect(text).toMatch(/wimse_authz_reload_failures_total\{kind="policy"\} 1/);
      expect(text).toMatch(/wimse_authz_last_reload_success\{kind="policy"\} 0/);
    } finally {
      await h.close();
    }
  });

  it("Watch streams SERVING, then NOT_SERVING when the server drains, then ends", async () => {
    const h = await startHarness({ identity: new FakeIdentity(), policy: new ScriptedPolicy(allowAll()) });
    const seen: number[] = [];
    const stream: ClientReadableStream<HealthCheckResponse> = h.health.watch({ service: "" });
    const ended = new Promise<void>((resolve, reject) => {
      stream.on("data", (m: HealthCheckResponse) => seen.push(m.status));
      stream.on("end", () => resolve());
      stream.on("error", (e: ServiceError) => (e.code === 1 ? resolve() : reject(e)));
    });
    await new Promise((r) => setTimeout(r, 100));
    expect(seen).toEqual([SERVING]);
    await h.close();
    await ended;
    expect(seen).toEqual([SERVING, NOT_SERVING]);
  });
});
