/**
 * The compose configuration for real: the `wimse-authz serve` CLI runs as a separate process with
 * envoy/compose/authz.yaml (container paths mapped onto a demo PKI laid out by cert-init.mjs) and
 * the repository's default policy. Envoy's side is played by a gRPC client with Envoy's identity,
 * sending CheckRequests shaped as the Envoy files produce them. Asserts the decisions the
 * operator guide's scenario promises, the mTLS listener's rules, the health probe, and the audit
 * lines on stdout.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createHash, X509Certificate } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { credentials, type Metadata, type ServiceError } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AuthorizationClient,
  CheckRequest,
  type CheckResponse,
} from "../../src/gen/envoy/service/auth/v3/external_auth.js";
import { mintWorkloadWit, wptHeaders } from "../../src/pki/workload-tokens.js";
import { type DemoLayout, makeDemoLayout } from "./lib/demo-layout.js";
import { REPO } from "./lib/envoy-files.js";

let layout: DemoLayout;
let child: ChildProcess;
let address = "";
let stdout = "";

const id = (w: string) => layout.manifest.workloads[w]?.id ?? "";
const idFile = (w: string, f: string) => readFileSync(join(layout.outDir, "identity", w, f));

/** envoy/compose/authz.yaml with the container mounts mapped onto the test layout. */
function localConfig(): string {
  return readFileSync(join(REPO, "envoy", "compose", "authz.yaml"), "utf8")
    .replaceAll("/etc/wimse/identity", join(layout.outDir, "identity", "wimse-authz"))
    .replaceAll("/etc/wimse/trust", join(layout.outDir, "trust"))
    .replace("dir: /app/policies", `dir: ${join(REPO, "policies")}`)
    .replace("address: 0.0.0.0:9191", "address: 127.0.0.1:0")
    .replace("address: 0.0.0.0:9464", "address: 127.0.0.1:0");
}

function client(as: string): InstanceType<typeof AuthorizationClient> {
  const creds = credentials.createSsl(
    readFileSync(join(layout.outDir, "trust", "demo", "bundle.pem")),
    idFile(as, "key.pem"),
    idFile(as, "chain.pem"),
    {
      checkServerIdentity: (_h, cert) =>
        cert.subjectaltname?.split(", ").includes(`URI:${id("wimse-authz")}`)
          ? undefined
          : new Error("not wimse-authz"),
    },
  );
  return new AuthorizationClient(address, creds, { "grpc.ssl_target_name_override": "authz" });
}

function check(req: CheckRequest, as = "envoy"): Promise<CheckResponse> {
  const c = client(as);
  return new Promise((resolve, reject) => {
    c.check(req, (err: ServiceError | null, res: CheckResponse) => {
      c.close();
      if (err) reject(err);
      else resolve(res);
    });
  });
}

const urlPem = (pem: string) => encodeURIComponent(pem);

/** A CheckRequest as the sidecar (include_peer_certificate, include_tls_session) sends it. */
function request(opts: {
  peer: string;
  callee: string;
  method?: string;
  path: string;
  host: string;
  headers?: Record<string, string>;
}): CheckRequest {
  const leaf = idFile(opts.peer, "cert.pem").toString("utf8");
  const headers = {
    ":authority": opts.host,
    ":method": opts.method ?? "GET",
    ":path": opts.path,
    "x-request-id": `req-${Math.random().toString(16).slice(2)}`,
    ...opts.headers,
  };
  return CheckRequest.fromPartial({
    attributes: {
      source: { principal: id(opts.peer), certificate: urlPem(leaf) },
      destination: { principal: id(opts.callee) },
      request: {
        http: {
          id: "1",
          method: opts.method ?? "GET",
          headers,
          path: opts.path,
          host: opts.host,
          scheme: "https",
          protocol: "HTTP/1.1",
        },
      },
      tlsSession: { sni: opts.host },
    },
  });
}

/** The element front-proxy.yaml writes: SANITIZE_SET with cert, chain, uri (By and Hash always). */
function xfcc(by: string, client: string): string {
  const leaf = idFile(client, "cert.pem").toString("utf8");
  const hash = createHash("sha256").update(new X509Certificate(leaf).raw).digest("hex");
  const chain = idFile(client, "chain.pem").toString("utf8");
  return `By=${by};Hash=${hash};Cert="${urlPem(leaf)}";Chain="${urlPem(chain)}";URI=${id(client)}`;
}

function okHeaders(res: CheckResponse): Record<string, string> {
  return Object.fromEntries(
    (res.okResponse?.headers ?? []).map((h) => [h.header?.key ?? "", h.header?.value ?? ""]),
  );
}

function auditFor(requestId: string): Record<string, unknown> | undefined {
  for (const line of stdout.split("\n")) {
    if (!line.startsWith("{")) continue;
    const rec = JSON.parse(line) as Record<string, unknown>;
    if (rec.request_id === requestId) return rec;
  }
  return undefined;
}

async function waitFor(pred: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out; service output:\n${stdout}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  layout = await makeDemoLayout();
  const cfg = join(layout.root, "authz.yaml");
  writeFileSync(cfg, localConfig());
  child = spawn(
    process.execPath,
    ["--import", "tsx", join(REPO, "src", "cli", "main.ts"), "serve", "--config", cfg],
    {
      cwd: REPO,
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  child.stdout?.on("data", (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    stdout += d.toString();
  });
  await waitFor(() => /health SERVING/.test(stdout), 90_000);
  address = /\(dial ([^)]+)\)/.exec(stdout)?.[1] ?? "";
  expect(address).toMatch(/^127\.0\.0\.1:\d+$/);
}, 120_000);

afterAll(() => {
  child?.kill("SIGTERM");
  layout?.cleanup();
});

describe("envoy/compose/authz.yaml with the default policy, served by the real CLI", () => {
  it("reports SERVING to the Kubernetes probe over its mTLS listener", async () => {
    const [host, port] = address.split(":");
    const r = await new Promise<number | null>((resolve) => {
      const p = spawn(process.execPath, [
        join(REPO, "k8s", "grpc-health-probe.mjs"),
        ...["--addr", `${host}:${port}`, "--ca", join(layout.outDir, "trust", "demo", "bundle.pem")],
        ...["--cert", join(layout.outDir, "identity", "envoy", "chain.pem")],
        ...["--key", join(layout.outDir, "identity", "envoy", "key.pem"), "--expect-id", id("wimse-authz")],
        ...["--timeout-ms", "10000"],
      ]);
      p.on("close", resolve);
    });
    expect(r).toBe(0);
  });

  it("scenario 1: frontend -> backend GET /api/orders is allowed, with identity headers", async () => {
    const req = request({ peer: "frontend", callee: "backend", path: "/api/orders", host: "backend" });
    const res = await check(req);
    expect(res.status?.code).toBe(0);
    expect(okHeaders(res)).toMatchObject({
      "x-wimse-workload-id": id("frontend"),
      "x-wimse-auth-method": "mtls",
      "x-wimse-authz-rule": "acl:frontend-to-backend-api",
    });
    const rid = String(req.attributes?.request?.http?.headers?.["x-request-id"]);
    await waitFor(() => auditFor(rid) !== undefined, 5000);
    expect(auditFor(rid)).toMatchObject({
      decision: "allow",
      source_id: id("frontend"),
      auth_method: "mtls",
    });
  });

  it("scenario 2 and 3: DELETE on backend and frontend -> billing are denied with 403", async () => {
    for (const req of [
      request({
        peer: "frontend",
        callee: "backend",
        method: "DELETE",
        path: "/api/orders/1001",
        host: "backend",
      }),
      request({ peer: "frontend", callee: "billing", path: "/invoices/1001", host: "billing" }),
    ]) {
      const res = await check(req);
      expect(res.status?.code).toBe(7);
      expect(res.deniedResponse?.status?.code).toBe(403);
    }
  });

  it("scenario 4: backend (spiffe://) -> billing (wimse://) is allowed", async () => {
    const res = await check(
      request({ peer: "backend", callee: "billing", path: "/invoices/1001", host: "billing" }),
    );
    expect(res.status?.code).toBe(0);
    expect(okHeaders(res)["x-wimse-authz-rule"]).toBe("acl:backend-to-billing");
  });

  it("scenario 6: through the middlebox, the caller is the frontend and the proxy is recorded", async () => {
    const req = request({
      peer: "middlebox",
      callee: "backend",
      path: "/api/orders",
      host: "edge",
      headers: { "x-forwarded-client-cert": xfcc(id("middlebox"), "frontend") },
    });
    const res = await check(req);
    expect(res.status?.code).toBe(0);
    expect(okHeaders(res)).toMatchObject({
      "x-wimse-workload-id": id("frontend"),
      "x-wimse-auth-method": "xfcc",
      "x-wimse-proxy-id": id("middlebox"),
    });
    const rid = String(req.attributes?.request?.http?.headers?.["x-request-id"]);
    await waitFor(() => auditFor(rid) !== undefined, 5000);
    expect(auditFor(rid)).toMatchObject({
      source_id: id("frontend"),
      proxy_id: id("middlebox"),
      auth_method: "xfcc",
    });
  });

  it("XFCC from a peer that is not the middlebox denies (trusted_proxies, forwarded_cert_from_untrusted: deny)", async () => {
    const req = request({
      peer: "backend",
      callee: "backend",
      path: "/api/orders",
      host: "backend",
      headers: { "x-forwarded-client-cert": xfcc(id("backend"), "frontend") },
    });
    const res = await check(req);
    expect(res.status?.code).toBe(7);
    const rid = String(req.attributes?.request?.http?.headers?.["x-request-id"]);
    await waitFor(() => auditFor(rid) !== undefined, 5000);
    expect(String(auditFor(rid)?.reason_code)).toMatch(/^xfcc_untrusted_peer$/);
  });

  it("WIMSE tokens: backend's WIT + WPT through the middlebox reach billing as backend; a replay is refused (400)", async () => {
    const wit = await mintWorkloadWit({
      pkiDir: layout.pkiDir,
      manifest: layout.manifest,
      workload: "backend",
    });
    const headers = await wptHeaders(wit, {
      method: "GET",
      url: "https://billing.demo2.wimse-authz.local/invoices",
      audience: "https://billing.demo2.wimse-authz.local",
    });
    const req = request({
      peer: "middlebox",
      callee: "billing",
      path: "/invoices",
      host: "middlebox",
      headers,
    });
    const res = await check(req);
    expect(res.status?.code).toBe(0);
    const rid = String(req.attributes?.request?.http?.headers?.["x-request-id"]);
    await waitFor(() => auditFor(rid) !== undefined, 5000);
    expect(auditFor(rid)).toMatchObject({
      source_id: id("backend"),
      token_id: id("backend"),
      transport_id: id("middlebox"),
    });
    const again = request({
      peer: "middlebox",
      callee: "billing",
      path: "/invoices",
      host: "middlebox",
      headers,
    });
    const replay = await check(again);
    expect(replay.deniedResponse?.status?.code).toBe(400);
    expect(stdout).not.toContain(wit.wit);
  });

  it("a revoked workload certificate (demo CRL) is denied before the policy", async () => {
    const req = request({ peer: "revoked", callee: "backend", path: "/api/orders", host: "backend" });
    const res = await check(req);
    expect(res.status?.code).toBe(7);
    const rid = String(req.attributes?.request?.http?.headers?.["x-request-id"]);
    await waitFor(() => auditFor(rid) !== undefined, 5000);
    expect(auditFor(rid)?.reason_code).toBe("x509_revoked");
  });

  it("only Envoy's identity may call Check (listen.tls.allowed_client_ids)", async () => {
    const err = await check(
      request({ peer: "frontend", callee: "backend", path: "/api/orders", host: "backend" }),
      "frontend",
    )
      .then(() => undefined)
      .catch((e: ServiceError & { metadata?: Metadata }) => e);
    expect(err?.code).toBe(7);
  });
});
