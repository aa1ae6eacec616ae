/**
 * A tiny emulation of an Envoy sidecar for the local demo: an HTTPS listener that asks for client
 * certificates (real mTLS handshakes), builds the ext_authz CheckRequest from the TLS peer and the
 * HTTP request as Envoy does, asks the service, and answers 200 (allowed: "the workload was
 * reached") or the denied status the service chose.
 *
 * Modes (Envoy's DownstreamTlsContext):
 *   verify           trust anchors = the demo bundles; a presented certificate that does not verify
 *                    fails the connection; no certificate is allowed (require_client_certificate
 *                    false) so that identity-optional health paths work, and the service decides.
 *   accept-untrusted trust_chain_verification: ACCEPT_UNTRUSTED: any certificate is forwarded and
 *                    the service alone decides (shows that it does not rely on the TLS layer).
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer, type Server } from "node:https";
import type { TLSSocket } from "node:tls";
import type { CheckRequest, CheckResponse } from "../gen/envoy/service/auth/v3/external_auth.js";
import { buildCheckRequest } from "./check-request.js";
import { derToPem, envoyPrincipal, envoyUrlEncodePem } from "./envoy-encoding.js";

export type SidecarMode = "verify" | "accept-untrusted";

export interface SidecarObservation {
  requestId: string;
  /** The TLS peer the sidecar saw (principal), or "" without a client certificate. */
  transportPeer: string;
  /** gRPC status code of the CheckResponse (0 = OK = allowed). */
  grpcCode: number;
  httpStatus: number;
}

export interface Sidecar {
  port: number;
  /** Observations by x-request-id. */
  readonly seen: Map<string, SidecarObservation>;
  close(): Promise<void>;
}

export interface SidecarOptions {
  mode: SidecarMode;
  /** The sidecar's own certificate chain and key (its URI SAN is the destination principal). */
  cert: Buffer;
  key: Buffer;
  /** Trust anchors for client certificates. */
  clientCas: Buffer[];
  /** attributes.destination.principal. */
  destination: string;
  check(req: CheckRequest): Promise<CheckResponse>;
}

function headerMap(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || name === "connection") continue;
    out[name] = Array.isArray(value) ? value.join(",") : value;
  }
  return out;
}

function deniedStatus(res: CheckResponse): number {
  const code = res.deniedResponse?.status?.code;
  return typeof code === "number" && code > 0 ? code : 403;
}

/** Envoy's with_request_body max_request_bytes in envoy/*.yaml: larger bodies are refused here. */
const MAX_BODY_BYTES = 8192;

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Error("request body larger than the demo sidecar buffers");
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export async function startSidecar(opts: SidecarOptions): Promise<Sidecar> {
  const seen = new Map<string, SidecarObservation>();
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const socket = req.socket as TLSSocket;
    const peer = socket.getPeerCertificate();
    const raw = peer && "raw" in peer && Buffer.isBuffer(peer.raw) ? peer.raw : undefined;
    const headerId = req.headers["x-request-id"];
    const requestId = typeof headerId === "string" && headerId !== "" ? headerId : randomUUID();
    const body = await readBody(req);
    const check = buildCheckRequest({
      principal: raw ? envoyPrincipal(raw) : "",
      certificate: raw ? envoyUrlEncodePem(derToPem(raw)) : "",
      destination: opts.destination,
      method: req.method ?? "GET",
      path: req.url ?? "/",
      host: req.headers.host ?? "",
      headers: headerMap(req),
      requestId,
      sni: typeof socket.servername === "string" ? socket.servername : "",
      ...(body.length > 0 ? { body } : {}),
    });
    let grpcCode = 14;
    let httpStatus = 403;
    try {
      const answer = await opts.check(check);
      grpcCode = answer.status?.code ?? 2;
      httpStatus = grpcCode === 0 ? 200 : deniedStatus(answer);
    } catch {
      // failure_mode_allow: false — an unreachable or failing authorization service denies.
      grpcCode = 14;
      httpStatus = 403;
    }
    seen.set(requestId, { requestId, transportPeer: raw ? envoyPrincipal(raw) : "", grpcCode, httpStatus });
    res.writeHead(httpStatus, { "content-type": "text/plain", "x-request-id": requestId });
    res.end(httpStatus === 200 ? "reached the workload\n" : "denied by ext_authz\n");
  };
  const server: Server = createServer(
    {
      cert: opts.cert,
      key: opts.key,
      ca: opts.clientCas,
      requestCert: true,
      // Verification is decided per connection below (so "no certificate" stays possible).
      rejectUnauthorized: false,
    },
    (req, res) => {
      handle(req, res).catch(() => {
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
    },
  );
  server.on("secureConnection", (socket: TLSSocket) => {
    if (opts.mode !== "verify") return;
    const peer = socket.getPeerCertificate();
    const presented = peer !== undefined && Object.keys(peer).length > 0;
    if (presented && !socket.authorized) socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    port,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
