/** A workload calling through a sidecar or the middlebox: one HTTPS request over a fresh mTLS connection. */
import { request } from "node:https";

export interface CallOptions {
  port: number;
  /** SNI and Host of the callee. */
  servername: string;
  /** Client certificate chain and key; omitted: no client certificate. */
  cert?: Buffer;
  key?: Buffer;
  /** Trust anchors for the callee's server certificate. */
  ca: Buffer[];
  method: string;
  path: string;
  headers: Record<string, string>;
  /** Request body (sent with its Content-Length). */
  body?: Buffer | string;
}

export interface CallResult {
  /** HTTP status, or 0 when the connection failed (e.g. the TLS handshake was refused). */
  status: number;
  error?: string;
}

export function call(opts: CallOptions): Promise<CallResult> {
  return new Promise((resolve) => {
    const req = request(
      {
        host: "127.0.0.1",
        port: opts.port,
        servername: opts.servername,
        method: opts.method,
        path: opts.path,
        headers: { host: opts.servername, ...opts.headers },
        cert: opts.cert,
        key: opts.key,
        ca: opts.ca,
        agent: false,
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve({ status: res.statusCode ?? 0 }));
      },
    );
    req.on("error", (e) => resolve({ status: 0, error: e.message }));
    req.end(opts.body);
  });
}
