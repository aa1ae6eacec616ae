/** Starts a real service on an ephemeral port and gives tests gRPC clients generated from src/gen. */
import { PassThrough } from "node:stream";
import { credentials, type ChannelCredentials, type ServiceError } from "@grpc/grpc-js";
import { StreamSink } from "../../../src/audit/sink.js";
import type { AuditRecord } from "../../../src/audit/record.js";
import { loadConfig } from "../../../src/config/load.js";
import type { Config } from "../../../src/config/types.js";
import {
  AuthorizationClient,
  type CheckRequest,
  type CheckResponse,
} from "../../../src/gen/envoy/service/auth/v3/external_auth.js";
import { HealthClient, type HealthCheckResponse } from "../../../src/gen/grpc/health/v1/health.js";
import type { Runtimes } from "../../../src/server/ports.js";
import { type RunningService, startService } from "../../../src/server/service.js";

export interface Harness {
  service: RunningService;
  config: Config;
  auth: AuthorizationClient;
  health: HealthClient;
  /** Parsed audit lines written so far (flushes first). */
  auditLines(): Promise<AuditRecord[]>;
  /** Raw audit text written so far. */
  auditText(): Promise<string>;
  check(req: CheckRequest): Promise<CheckResponse>;
  checkHealth(service?: string): Promise<HealthCheckResponse>;
  close(): Promise<void>;
}

export async function startHarness(
  runtimes: Runtimes,
  flags: Array<[string, string]> = [],
  yamlText?: string,
  clientCredentials: ChannelCredentials = credentials.createInsecure(),
  clientOptions: Record<string, string | number> = {},
): Promise<Harness> {
  const config = loadConfig({
    yamlText,
    env: {},
    flags: [["--listen-address", "127.0.0.1:0"], ["--metrics-address", "127.0.0.1:0"], ...flags],
  });
  const stream = new PassThrough();
  let text = "";
  stream.on("data", (c: Buffer) => {
    text += c.toString("utf8");
  });
  const audit = new StreamSink(stream, false);
  const service = await startService(config, runtimes, { audit, log: () => {} });
  const auth = new AuthorizationClient(service.grpcAddress, clientCredentials, clientOptions);
  const health = new HealthClient(service.grpcAddress, clientCredentials, clientOptions);
  const auditText = async () => {
    await audit.flush();
    return text;
  };
  return {
    service,
    config,
    auth,
    health,
    auditText,
    async auditLines() {
      const t = await auditText();
      return t
        .split("\n")
        .filter((l) => l !== "")
        .map((l) => JSON.parse(l) as AuditRecord);
    },
    check: (req) =>
      new Promise((resolve, reject) =>
        auth.check(req, (err: ServiceError | null, res?: CheckResponse) =>
          err ? reject(err) : resolve(res as CheckResponse),
        ),
      ),
    checkHealth: (s = "") =>
      new Promise((resolve, reject) =>
        health.check({ service: s }, (err: ServiceError | null, res?: HealthCheckResponse) =>
          err ? reject(err) : resolve(res as HealthCheckResponse),
        ),
      ),
    async close() {
      auth.close();
      health.close();
      await service.stop();
    },
  };
}

/** A CheckRequest as Envoy sends it for an HTTP request (attributes filled in, defaults elsewhere). */
export function envoyRequest(opts: {
  method?: string;
  path?: string;
  host?: string;
  headers?: Record<string, string>;
  body?: string;
  certificate?: string;
  principal?: string;
  /** attributes.destination.principal (default spiffe://demo.example/ns/api/sa/server). */
  destination?: string;
}): CheckRequest {
  const headers = {
    ":authority": opts.host ?? "api.example",
    ":method": opts.method ?? "GET",
    ":path": opts.path ?? "/",
    ...(opts.headers ?? {}),
  };
  return {
    attributes: {
      source: {
        address: undefined,
        service: "",
        labels: {},
        principal: opts.principal ?? "",
        certificate: opts.certificate ?? "",
      },
      destination: {
        address: undefined,
        service: "",
        labels: {},
        principal: opts.destination ?? "spiffe://demo.example/ns/api/sa/server",
        certificate: "",
      },
      request: {
        time: undefined,
        http: {
          id: "1",
          method: opts.method ?? "GET",
          headers,
          headerMap: undefined,
          path: opts.path ?? "/",
          host: opts.host ?? "api.example",
          scheme: "https",
          query: "",
          fragment: "",
          size: "0",
          protocol: "HTTP/1.1",
          body: opts.body ?? "",
          rawBody: Buffer.alloc(0),
        },
      },
      contextExtensions: {},
      metadataContext: undefined,
      routeMetadataContext: undefined,
      tlsSession: undefined,
    },
  };
}

export function fakeCert(id: string): string {
  return encodeURIComponent(`FAKE-CERT ${id}`);
}
