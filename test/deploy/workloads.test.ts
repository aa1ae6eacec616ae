/**
 * The sample workloads (examples/workloads/*.mjs) run as real processes: they answer on their
 * port, echo the identity headers wimse-authz vouched for, and call their next hop through the
 * sidecar's outbound listener (here a stand-in HTTP server that records what it receives).
 */
import { type ChildProcess, spawn } from "node:child_process";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO } from "./lib/envoy-files.js";

interface Seen {
  host: string | undefined;
  method: string | undefined;
  url: string | undefined;
  requestId: string | undefined;
}

const seen: Seen[] = [];
let egress: http.Server;
let egressPort = 0;
const children: ChildProcess[] = [];

function startWorkload(file: string): Promise<number> {
  const child = spawn(process.execPath, [join(REPO, "examples", "workloads", file)], {
    env: { ...process.env, PORT: "0", EGRESS: `127.0.0.1:${egressPort}` },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      const m = / listening on 127\.0\.0\.1:(\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.on("exit", (code) => reject(new Error(`${file} exited with ${code}`)));
  });
}

function get(
  port: number,
  path: string,
  headers: Record<string, string> = {},
  method = "GET",
): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, path, method, headers }, (res) => {
      let text = "";
      res.on("data", (c: Buffer) => {
        text += c.toString();
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
    });
    req.on("error", reject);
    req.end();
  });
}

const ports: Record<string, number> = {};

beforeAll(async () => {
  egress = http.createServer((req, res) => {
    seen.push({
      host: req.headers.host,
      method: req.method,
      url: req.url,
      requestId: req.headers["x-request-id"] as string | undefined,
    });
    if (req.headers.host === "billing") {
      res.writeHead(403, { "content-type": "text/plain" }).end("denied by policy");
      return;
    }
    res
      .writeHead(200, { "content-type": "application/json" })
      .end(JSON.stringify({ from: req.headers.host }));
  });
  await new Promise<void>((r) => egress.listen(0, "127.0.0.1", r));
  egressPort = (egress.address() as AddressInfo).port;
  for (const name of ["frontend", "backend", "billing"]) ports[name] = await startWorkload(`${name}.mjs`);
});

afterAll(async () => {
  for (const c of children) c.kill("SIGTERM");
  await new Promise((r) => egress.close(r));
});

describe("sample workloads", () => {
  it.each(["frontend", "backend", "billing"])("%s answers /healthz", async (name) => {
    const r = await get(ports[name] ?? 0, "/healthz");
    expect(r).toEqual({ status: 200, body: { service: name, ok: true } });
  });

  it("echo the identity headers set by wimse-authz, and only those", async () => {
    const r = await get(ports.backend ?? 0, "/api/orders", {
      "x-wimse-workload-id": "spiffe://demo.wimse-authz.local/ns/demo/sa/frontend",
      "x-wimse-trust-domain": "demo.wimse-authz.local",
      "x-wimse-auth-method": "mtls",
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      service: "backend",
      caller: "spiffe://demo.wimse-authz.local/ns/demo/sa/frontend",
      trust_domain: "demo.wimse-authz.local",
      auth_method: "mtls",
    });
    expect(r.body).not.toHaveProperty("proxy");
    expect(Array.isArray(r.body.orders)).toBe(true);
  });

  it("frontend calls its target through the egress with the target as Host, forwarding x-request-id", async () => {
    seen.length = 0;
    const r = await get(ports.frontend ?? 0, "/call/backend/api/orders?method=POST&x=1", {
      "x-request-id": "req-7",
    });
    expect(seen).toEqual([{ host: "backend", method: "POST", url: "/api/orders?x=1", requestId: "req-7" }]);
    expect(r.body).toMatchObject({
      called: "POST backend/api/orders",
      upstream: { status: 200, body: { from: "backend" } },
    });
  });

  it("reports an upstream denial as such (status and Envoy's plain-text body)", async () => {
    const r = await get(ports.frontend ?? 0, "/call/billing/invoices/1001");
    expect(r.body).toMatchObject({ upstream: { status: 403, body: "denied by policy" } });
  });

  it("backend asks billing for an invoice through the egress", async () => {
    seen.length = 0;
    const r = await get(ports.backend ?? 0, "/api/orders/1001/invoice");
    expect(seen.map((s) => `${s.host} ${s.url}`)).toEqual(["billing /invoices/1001"]);
    expect(r.body).toMatchObject({ order: "1001", billing: { status: 403 } });
  });

  it("answers 404 for unknown paths and methods", async () => {
    expect((await get(ports.billing ?? 0, "/nope")).status).toBe(404);
    expect((await get(ports.billing ?? 0, "/invoices/1", {}, "DELETE")).status).toBe(404);
    expect((await get(ports.frontend ?? 0, "/call/UPPER/x")).status).toBe(404);
  });
});
