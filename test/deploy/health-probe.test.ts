/**
 * k8s/grpc-health-probe.mjs against a real grpc-js server speaking grpc.health.v1 over mTLS with
 * demo PKI certificates: exit codes for SERVING / NOT_SERVING (readiness vs --alive), a server
 * with the wrong identity, no server, and bad arguments.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Server, ServerCredentials } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HealthCheckResponse_ServingStatus, HealthService } from "../../src/gen/grpc/health/v1/health.js";
import { type DemoLayout, makeDemoLayout } from "./lib/demo-layout.js";
import { K8S } from "./lib/k8s-files.js";

const PROBE = join(K8S, "grpc-health-probe.mjs");
let layout: DemoLayout;
let server: Server;
let port = 0;
let status = HealthCheckResponse_ServingStatus.SERVING;
let identity = "wimse-authz";

async function start(as: string): Promise<void> {
  const id = (f: string) => readFileSync(join(layout.outDir, "identity", as, f));
  const creds = ServerCredentials.createSsl(
    readFileSync(join(layout.outDir, "trust", "demo", "bundle.pem")),
    [{ cert_chain: id("chain.pem"), private_key: id("key.pem") }],
    true,
  );
  server = new Server();
  server.addService(HealthService, {
    check: (_call: unknown, cb: (e: null, r: { status: number }) => void) => cb(null, { status }),
    watch: (call: { end: () => void }) => call.end(),
  });
  port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", creds, (e, p) => (e ? reject(e) : resolve(p))),
  );
}

/** Runs the probe asynchronously: the gRPC server lives in this process and must keep serving. */
function probe(
  extra: string[] = [],
  over: Record<string, string> = {},
): Promise<{ code: number | null; out: string; err: string }> {
  const args: Record<string, string> = {
    "--addr": `127.0.0.1:${port}`,
    "--ca": join(layout.outDir, "trust", "demo", "bundle.pem"),
    "--cert": join(layout.outDir, "identity", "wimse-authz", "chain.pem"),
    "--key": join(layout.outDir, "identity", "wimse-authz", "key.pem"),
    "--expect-id": layout.manifest.workloads["wimse-authz"]?.id ?? "",
    // Generous: a cold Node start plus a TLS handshake on a loaded CI machine.
    "--timeout-ms": "10000",
    ...over,
  };
  const argv = [PROBE, ...Object.entries(args).flat(), ...extra];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, argv, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      err += d.toString();
    });
    child.on("close", (code) => resolve({ code, out: out.trim(), err: err.trim() }));
  });
}

beforeAll(async () => {
  layout = await makeDemoLayout();
  await start(identity);
});
afterAll(() => {
  server?.forceShutdown();
  layout?.cleanup();
});

describe("k8s/grpc-health-probe.mjs", () => {
  it("readiness: exit 0 on SERVING", async () => {
    status = HealthCheckResponse_ServingStatus.SERVING;
    const r = await probe();
    expect(r, r.err).toMatchObject({ code: 0, out: "SERVING" });
  });

  it("readiness: exit 1 on NOT_SERVING, but --alive accepts it", async () => {
    status = HealthCheckResponse_ServingStatus.NOT_SERVING;
    expect(await probe()).toMatchObject({ code: 1, err: expect.stringContaining("NOT_SERVING") });
    expect(await probe(["--alive"])).toMatchObject({ code: 0, out: "NOT_SERVING" });
  });

  it("fails when the server is not the expected workload identity", async () => {
    status = HealthCheckResponse_ServingStatus.SERVING;
    const r = await probe([], {
      "--expect-id": layout.manifest.workloads.backend?.id ?? "",
      "--timeout-ms": "3000",
    });
    expect(r.code).toBe(1);
    expect(r.err).toContain("is not spiffe://demo.wimse-authz.local/ns/demo/sa/backend");
  });

  it("fails without a server, also with --alive", async () => {
    const r = await probe(["--alive", "--timeout-ms", "1500"], { "--addr": "127.0.0.1:1" });
    expect(r.code).toBe(1);
  });

  it("fails when the server presents another identity (a workload impersonating the service)", async () => {
    server.forceShutdown();
    identity = "backend";
    await start(identity);
    const r = await probe(["--alive"], { "--timeout-ms": "3000" });
    expect(r.code).toBe(1);
    expect(r.err).toContain("is not spiffe://demo.wimse-authz.local/ns/demo/sa/wimse-authz");
  });

  it("rejects bad arguments with exit 2", async () => {
    expect((await probe(["--bogus"])).code).toBe(2);
    expect((await probe([], { "--timeout-ms": "0" })).code).toBe(2);
  });
});
