/**
 * TLS and mTLS on the gRPC listener, with certificates from the demo PKI: only a configured client
 * identity (Envoy's) may call Check.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ChannelCredentials, credentials, Metadata, type ServiceError } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AuthorizationClient,
  type CheckResponse,
} from "../../src/gen/envoy/service/auth/v3/external_auth.js";
import {
  HealthClient,
  type HealthCheckResponse,
  type HealthListResponse,
} from "../../src/gen/grpc/health/v1/health.js";
import { type DemoPkiManifest, generateDemoPki } from "../../src/pki/write.js";
import { allowAll, FakeIdentity, ScriptedPolicy } from "./support/doubles.js";
import { envoyRequest, fakeCert, type Harness, startHarness } from "./support/harness.js";

let dir: string;
let manifest: DemoPkiManifest;
const read = (rel: string) => readFileSync(join(dir, rel));
const clientOptions = { "grpc.ssl_target_name_override": "localhost", "grpc.default_authority": "localhost" };

function clientCreds(workload?: string): ChannelCredentials {
  const root = read(manifest.trustDomains.demo.root);
  if (!workload) return credentials.createSsl(root);
  const w = manifest.workloads[workload];
  return credentials.createSsl(root, read(w.key), read(w.chain));
}

function call(address: string, creds: ChannelCredentials): Promise<CheckResponse> {
  const client = new AuthorizationClient(address, creds, clientOptions);
  return new Promise<CheckResponse>((resolve, reject) => {
    client.check(
      envoyRequest({ certificate: fakeCert("spiffe://demo.example/ns/a/sa/b") }),
      new Metadata(),
      { deadline: Date.now() + 5000 },
      (err: ServiceError | null, res?: CheckResponse) => (err ? reject(err) : resolve(res as CheckResponse)),
    );
  }).finally(() => client.close());
}

function health(address: string, creds: ChannelCredentials): Promise<HealthCheckResponse> {
  const client = new HealthClient(address, creds, clientOptions);
  return new Promise<HealthCheckResponse>((resolve, reject) => {
    client.check({ service: "" }, new Metadata(), { deadline: Date.now() + 5000 }, (err, res) =>
      err ? reject(err) : resolve(res as HealthCheckResponse),
    );
  }).finally(() => client.close());
}

function healthList(address: string, creds: ChannelCredentials): Promise<HealthListResponse> {
  const client = new HealthClient(address, creds, clientOptions);
  return new Promise<HealthListResponse>((resolve, reject) => {
    client.list({}, new Metadata(), { deadline: Date.now() + 5000 }, (err, res) =>
      err ? reject(err) : resolve(res as HealthListResponse),
    );
  }).finally(() => client.close());
}

/** The first message of a Watch stream, or its error. */
function healthWatch(address: string, creds: ChannelCredentials): Promise<HealthCheckResponse> {
  const client = new HealthClient(address, creds, clientOptions);
  return new Promise<HealthCheckResponse>((resolve, reject) => {
    const stream = client.watch({ service: "" }, { deadline: Date.now() + 5000 });
    stream.on("data", (m: HealthCheckResponse) => {
      resolve(m);
      stream.cancel();
    });
    stream.on("error", (e: ServiceError) => reject(e));
  }).finally(() => client.close());
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "wimse-tls-"));
  manifest = await generateDemoPki(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("listener TLS (server authentication only)", () => {
  let h: Harness;
  beforeAll(async () => {
    const w = manifest.workloads["wimse-authz"];
    h = await startHarness(
      { identity: new FakeIdentity(), policy: new ScriptedPolicy(allowAll()) },
      [
        ["--listen-tls-cert-file", join(dir, w.chain)],
        ["--listen-tls-key-file", join(dir, w.key)],
      ],
      undefined,
      clientCreds(),
      clientOptions,
    );
  });
  afterAll(() => h.close());

  it("serves Check over TLS", async () => {
    expect((await call(h.service.grpcAddress, clientCreds())).status?.code).toBe(0);
  });

  it("a plaintext client cannot call", async () => {
    await expect(call(h.service.grpcAddress, credentials.createInsecure())).rejects.toMatchObject({
      code: 14,
    });
  });
});

describe("listener mTLS with a client allowlist", () => {
  let h: Harness;
  beforeAll(async () => {
    const w = manifest.workloads["wimse-authz"];
    h = await startHarness(
      { identity: new FakeIdentity(), policy: new ScriptedPolicy(allowAll()) },
      [
        ["--listen-tls-cert-file", join(dir, w.chain)],
        ["--listen-tls-key-file", join(dir, w.key)],
        ["--listen-tls-client-ca-file", join(dir, manifest.trustDomains.demo.root)],
        ["--listen-tls-allowed-client-ids", manifest.workloads.envoy.id],
      ],
      undefined,
      clientCreds("envoy"),
      clientOptions,
    );
  });
  afterAll(() => h.close());

  it("Envoy's certificate may call Check", async () => {
    expect((await call(h.service.grpcAddress, clientCreds("envoy"))).status?.code).toBe(0);
  });

  it("another workload of the same CA is refused with PERMISSION_DENIED", async () => {
    await expect(call(h.service.grpcAddress, clientCreds("frontend"))).rejects.toMatchObject({ code: 7 });
  });

  it("a client without a certificate fails the handshake", async () => {
    await expect(call(h.service.grpcAddress, clientCreds())).rejects.toMatchObject({ code: 14 });
  });

  it("a certificate from another CA fails the handshake", async () => {
    const root = read(manifest.trustDomains.demo.root);
    const w = manifest.workloads.billing;
    await expect(
      call(h.service.grpcAddress, credentials.createSsl(root, read(w.key), read(w.chain))),
    ).rejects.toMatchObject({
      code: 14,
    });
  });

  it("Health (Check, List, Watch) admits Envoy and refuses other workloads of the CA", async () => {
    const envoy = clientCreds("envoy");
    expect((await health(h.service.grpcAddress, envoy)).status).toBe(1);
    expect(Object.keys((await healthList(h.service.grpcAddress, envoy)).statuses)).toContain("");
    expect((await healthWatch(h.service.grpcAddress, envoy)).status).toBe(1);
    const frontend = clientCreds("frontend");
    await expect(health(h.service.grpcAddress, frontend)).rejects.toMatchObject({ code: 7 });
    await expect(healthList(h.service.grpcAddress, frontend)).rejects.toMatchObject({ code: 7 });
    await expect(healthWatch(h.service.grpcAddress, frontend)).rejects.toMatchObject({ code: 7 });
  });

  it("the service's own ID (its health probe) may call Health but not Check", async () => {
    const own = clientCreds("wimse-authz");
    expect((await health(h.service.grpcAddress, own)).status).toBe(1);
    await expect(call(h.service.grpcAddress, own)).rejects.toMatchObject({ code: 7 });
  });

  it("refused callers are not audited as checks, and the server keeps serving", async () => {
    const before = (await h.auditLines()).length;
    await call(h.service.grpcAddress, clientCreds("frontend")).catch(() => undefined);
    expect((await h.auditLines()).length).toBe(before);
    expect((await h.checkHealth()).status).toBe(1);
  });
});
