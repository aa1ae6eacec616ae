/**
 * The TLS-terminating front proxy ("middlebox") of the local demo: it verifies the client's
 * certificate (real mTLS handshake), then opens its own mTLS connection to the sidecar with the
 * middlebox certificate and forwards the request with the client's certificate in
 * x-forwarded-client-cert (SANITIZE_SET: any XFCC the client sent is replaced).
 * With forwardClientCert false it forwards no client certificate at all (any client XFCC is still
 * dropped): the next hop's transport identity is the middlebox's, and the caller must prove its
 * own identity at the application level (WIT + WPT or HTTP signature), which passes through.
 */
import { X509Certificate } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer, type Server } from "node:https";
import type { DetailedPeerCertificate, TLSSocket } from "node:tls";
import { call } from "./client.js";
import { firstUriSan, xfccElement } from "./envoy-encoding.js";

export interface Middlebox {
  port: number;
  close(): Promise<void>;
}

export interface MiddleboxOptions {
  /** The middlebox's own chain and key (server and client side). */
  cert: Buffer;
  key: Buffer;
  /** Trust anchors for client certificates and for the sidecar's server certificate. */
  cas: Buffer[];
  upstream: { port: number; servername: string };
  /** Forward the client's certificate in XFCC (default true). */
  forwardClientCert?: boolean;
}

/** The leaf and the certificates the client presented above it (the trust anchor excluded). */
function presentedChain(peer: DetailedPeerCertificate): { leaf: Buffer; chain: Buffer[] } {
  const chain: Buffer[] = [peer.raw];
  const seen = new Set([peer.fingerprint256]);
  let cur = peer.issuerCertificate;
  while (cur && !seen.has(cur.fingerprint256) && cur.issuerCertificate !== cur) {
    const selfSigned = cur.issuerCertificate?.fingerprint256 === cur.fingerprint256;
    if (selfSigned) break;
    chain.push(cur.raw);
    seen.add(cur.fingerprint256);
    cur = cur.issuerCertificate;
  }
  return { leaf: peer.raw, chain };
}

function forwardHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || name === "connection" || name === "host") continue;
    if (name === "x-forwarded-client-cert") continue;
    out[name] = Array.isArray(value) ? value.join(",") : value;
  }
  return out;
}

export async function startMiddlebox(opts: MiddleboxOptions): Promise<Middlebox> {
  // XFCC By=: the proxy's own URI SAN (the first certificate of its chain is its leaf).
  const by = firstUriSan(new X509Certificate(opts.cert).raw);
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const peer = (req.socket as TLSSocket).getPeerCertificate(true);
    const headers = forwardHeaders(req);
    if (opts.forwardClientCert !== false) {
      headers["x-forwarded-client-cert"] = xfccElement({ by, ...presentedChain(peer) });
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const upstream = await call({
      port: opts.upstream.port,
      servername: opts.upstream.servername,
      cert: opts.cert,
      key: opts.key,
      ca: opts.cas,
      method: req.method ?? "GET",
      path: req.url ?? "/",
      headers,
      ...(body.length > 0 ? { body } : {}),
    });
    res.writeHead(upstream.status === 0 ? 503 : upstream.status);
    res.end();
  };
  const server: Server = createServer(
    { cert: opts.cert, key: opts.key, ca: opts.cas, requestCert: true, rejectUnauthorized: true },
    (req, res) => {
      handle(req, res).catch(() => {
        if (!res.headersSent) res.writeHead(502);
        res.end();
      });
    },
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
