/**
 * Process lifecycle in a child process: SIGTERM drains (health NOT_SERVING, the in-flight Check
 * finishes, audit flushed) and exits 0; SIGINT likewise; SIGHUP reloads the policy.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { credentials, type ServiceError } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AuthorizationClient,
  type CheckResponse,
} from "../../src/gen/envoy/service/auth/v3/external_auth.js";
import { HealthClient, type HealthCheckResponse } from "../../src/gen/grpc/health/v1/health.js";
import { envoyRequest, fakeCert } from "./support/harness.js";

const root = join(import.meta.dirname, "../..");
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "wimse-life-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Child {
  proc: ChildProcess;
  address: string;
  stderr: () => string;
  exited: Promise<number | null>;
  auditFile: string;
}

async function startChild(extra: string[] = []): Promise<Child> {
  const audit = join(dir, `audit-${Date.now()}-${Math.random()}.log`);
  const proc = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      join(root, "test/server/support/child-serve.ts"),
      "--listen-address",
      "127.0.0.1:0",
      "--metrics-address",
      "",
      "--audit-output",
      audit,
      ...extra,
    ],
    { cwd: root, stdio: ["ignore", "pipe", "pipe"] },
  );
  let err = "";
  const exited = new Promise<number | null>((resolve) => proc.on("exit", (code) => resolve(code)));
  const address = await new Promise<string>((resolve, reject) => {
    proc.stderr?.on("data", (c: Buffer) => {
      err += c.toString();
      const m = /READY (\S+)/.exec(err);
      if (m) resolve(m[1]);
    });
    proc.on("exit", () => reject(new Error(`child exited early: ${err}`)));
  });
  return { proc, address, stderr: () => err, exited, auditFile: audit };
}

function check(client: AuthorizationClient, path: string): Promise<CheckResponse> {
  return new Promise((resolve, reject) =>
    client.check(
      envoyRequest({ certificate: fakeCert("spiffe://a.example/w"), path }),
      (e: ServiceError | null, r?: CheckResponse) => (e ? reject(e) : resolve(r as CheckResponse)),
    ),
  );
}

describe("graceful shutdown in a child process", () => {
  it("SIGTERM: NOT_SERVING on Watch, the in-flight Check completes, audit flushed, exit 0", {
    timeout: 60_000,
  }, async () => {
    const child = await startChild();
    const auth = new AuthorizationClient(child.address, credentials.createInsecure());
    const health = new HealthClient(child.address, credentials.createInsecure());
    const statuses: number[] = [];
    const watch = health.watch({ service: "" });
    watch.on("data", (m: HealthCheckResponse) => statuses.push(m.status));
    watch.on("error", () => {});
    await check(auth, "/warm");
    const inFlight = check(auth, "/slow");
    await new Promise((r) => setTimeout(r, 100));
    child.proc.kill("SIGTERM");
    const res = await inFlight;
    expect(res.status?.code).toBe(0);
    expect(await child.exited).toBe(0);
    expect(statuses[0]).toBe(1);
    expect(statuses).toContain(2);
    const lines = readFileSync(child.auditFile, "utf8").trim().split("\n");
    expect(lines.map((l) => JSON.parse(l).path)).toEqual(["/warm", "/slow"]);
    expect(child.stderr()).toMatch(/SIGTERM: draining/);
    auth.close();
    health.close();
  });

  it("SIGINT also drains and exits 0", { timeout: 60_000 }, async () => {
    const child = await startChild();
    child.proc.kill("SIGINT");
    expect(await child.exited).toBe(0);
  });

  it("SIGHUP reloads the policy (new revision in the audit line), then SIGTERM exits 0", {
    timeout: 60_000,
  }, async () => {
    const child = await startChild();
    const auth = new AuthorizationClient(child.address, credentials.createInsecure());
    await check(auth, "/before");
    child.proc.kill("SIGHUP");
    for (let i = 0; i < 50 && !/policy: loaded revision/.test(child.stderr()); i++)
      await new Promise((r) => setTimeout(r, 50));
    await check(auth, "/after");
    child.proc.kill("SIGTERM");
    expect(await child.exited).toBe(0);
    const lines = readFileSync(child.auditFile, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.path, l.policy_revision])).toEqual([
      ["/before", "rev-1"],
      ["/after", "rev-2"],
    ]);
    auth.close();
  });
});
