/**
 * The demo's Envoy emulation on its own: what the sidecar puts in the CheckRequest after a real
 * mTLS handshake (principal, URL-encoded PEM leaf, destination, pseudo-headers, x-request-id),
 * what the middlebox forwards in XFCC, and that the verifying sidecar refuses a certificate no demo
 * root issued while the ACCEPT_UNTRUSTED one forwards it.
 */
import { createHash, X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call } from "../../src/demo/client.js";
import { selfSignedImpostor } from "../../src/demo/impostor.js";
import { type Middlebox, startMiddlebox } from "../../src/demo/middlebox.js";
import { type Sidecar, startSidecar } from "../../src/demo/sidecar.js";
import type { CheckRequest, CheckResponse } from "../../src/gen/envoy/service/auth/v3/external_auth.js";
import { type DemoPkiManifest, generateDemoPki } from "../../src/pki/write.js";

let dir: string;
let manifest: DemoPkiManifest;
let verify: Sidecar;
let permissive: Sidecar;
let middlebox: Middlebox;
let roots: Buffer[];
const received: CheckRequest[] = [];
const read = (rel: string) => readFileSync(join(dir, rel));

const allowAll = async (req: CheckRequest): Promise<CheckResponse> => {
  received.push(req);
  return {
    status: { code: 0, message: "", details: [] },
    deniedResponse: undefined,
    okResponse: undefined,
    dynamicMetadata: undefined,
  };
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "wimse-demo-sidecar-"));
  manifest = await generateDemoPki(dir);
  roots = Object.values(manifest.trustDomains).map((d) => read(d.root));
  const backend = manifest.workloads.backend;
  const common = {
    cert: read(backend.chain),
    key: read(backend.key),
    clientCas: roots,
    destination: backend.id,
    check: allowAll,
  };
  verify = await startSidecar({ mode: "verify", ...common });
  permissive = await startSidecar({ mode: "accept-untrusted", ...common });
  middlebox = await startMiddlebox({
    cert: read(manifest.workloads.middlebox.chain),
    key: read(manifest.workloads.middlebox.key),
    cas: roots,
    upstream: { port: verify.port, servername: "backend" },
  });
}, 60_000);

afterAll(async () => {
  await middlebox?.close();
  await verify?.close();
  await permissive?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function as(name: string) {
  const w = manifest.workloads[name];
  return { cert: read(w.chain), key: read(w.key) };
}

describe("demo sidecar and middlebox", () => {
  it("builds the CheckRequest from the TLS peer as Envoy does", async () => {
    const before = received.length;
    const res = await call({
      port: verify.port,
      servername: "backend",
      ...as("frontend"),
      ca: roots,
      method: "POST",
      path: "/api/orders?x=1",
      headers: { "x-request-id": "t-1" },
    });
    expect(res.status).toBe(200);
    const req = received[before];
    const src = req.attributes?.source;
    expect(src?.principal).toBe(manifest.workloads.frontend.id);
    const pem = decodeURIComponent(src?.certificate ?? "");
    expect(src?.certificate).not.toMatch(/[\n +/=]/);
    expect(
      new X509Certificate(pem).raw.equals(new X509Certificate(read(manifest.workloads.frontend.cert)).raw),
    ).toBe(true);
    expect(pem.match(/BEGIN CERTIFICATE/g)).toHaveLength(1);
    expect(req.attributes?.destination?.principal).toBe(manifest.workloads.backend.id);
    const http = req.attributes?.request?.http;
    expect(http).toMatchObject({
      method: "POST",
      path: "/api/orders?x=1",
      host: "backend",
      query: "x=1",
      id: "t-1",
    });
    expect(http?.headers).toMatchObject({
      ":method": "POST",
      ":path": "/api/orders?x=1",
      ":authority": "backend",
      "x-request-id": "t-1",
    });
    expect(verify.seen.get("t-1")).toMatchObject({
      transportPeer: manifest.workloads.frontend.id,
      httpStatus: 200,
    });
  });

  it("the middlebox forwards the client's certificate in XFCC and connects as itself", async () => {
    const before = received.length;
    const res = await call({
      port: middlebox.port,
      servername: "middlebox",
      ...as("frontend"),
      ca: roots,
      method: "GET",
      path: "/api",
      headers: { "x-request-id": "t-2", "x-forwarded-client-cert": "By=spoofed;URI=spoofed" },
    });
    expect(res.status).toBe(200);
    const req = received[before];
    expect(req.attributes?.source?.principal).toBe(manifest.workloads.middlebox.id);
    const xfcc = req.attributes?.request?.http?.headers["x-forwarded-client-cert"] ?? "";
    expect(xfcc).not.toContain("spoofed");
    const leaf = new X509Certificate(read(manifest.workloads.frontend.cert)).raw;
    expect(xfcc).toContain(`By=${manifest.workloads.middlebox.id};`);
    expect(xfcc).toContain(`Hash=${createHash("sha256").update(leaf).digest("hex")};`);
    expect(xfcc.endsWith(`;URI=${manifest.workloads.frontend.id}`)).toBe(true);
    const chain = decodeURIComponent(/Chain="([^"]+)"/.exec(xfcc)?.[1] ?? "");
    expect(chain.match(/BEGIN CERTIFICATE/g), "leaf and intermediate, not the root").toHaveLength(2);
  });

  it("the verifying sidecar refuses a certificate no demo root issued; ACCEPT_UNTRUSTED forwards it", async () => {
    const impostor = await selfSignedImpostor(manifest.workloads.frontend.id);
    const base = { servername: "backend", ...impostor, ca: roots, method: "GET", path: "/api", headers: {} };
    const refused = await call({ port: verify.port, ...base });
    expect(refused.status).toBe(0);
    const before = received.length;
    const forwarded = await call({ port: permissive.port, ...base });
    expect(forwarded.status).toBe(200);
    expect(received[before].attributes?.source?.principal).toBe(manifest.workloads.frontend.id);
  });

  it("without a client certificate the request still reaches the service, with empty source fields", async () => {
    const before = received.length;
    const res = await call({
      port: verify.port,
      servername: "backend",
      ca: roots,
      method: "GET",
      path: "/healthz",
      headers: {},
    });
    expect(res.status).toBe(200);
    expect(received[before].attributes?.source).toMatchObject({ principal: "", certificate: "" });
    expect(received[before].attributes?.request?.http?.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("a failing authorization service denies (failure_mode_allow false)", async () => {
    const broken = await startSidecar({
      mode: "verify",
      cert: read(manifest.workloads.backend.chain),
      key: read(manifest.workloads.backend.key),
      clientCas: roots,
      destination: manifest.workloads.backend.id,
      check: async () => {
        throw new Error("unavailable");
      },
    });
    try {
      const res = await call({
        port: broken.port,
        servername: "backend",
        ...as("frontend"),
        ca: roots,
        method: "GET",
        path: "/api",
        headers: {},
      });
      expect(res.status).toBe(403);
    } finally {
      await broken.close();
    }
  });
});
