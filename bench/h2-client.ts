/**
 * A lean gRPC unary client over node:http2 for the load generator. Envoy calls ext_authz from C++;
 * a grpc-js client costs the generator ~400-500 µs of CPU and a steady stream of garbage per call
 * (its scavenges stalled the generator 10-20 ms several times a second, and every stall arrived at
 * the servers as a burst). This client does only what the wire needs: one HTTP/2 stream per call,
 * the request pre-framed once (1-byte compression flag + 4-byte length + message), the response
 * body discarded, and the call judged by its grpc-status (trailers, or headers for a trailers-only
 * answer). Both servers are driven by it alike; `--client grpc-js` keeps the old generator.
 */
import { type ClientHttp2Session, connect, constants } from "node:http2";
import type { CallFn } from "./load.js";

const { HTTP2_HEADER_METHOD, HTTP2_HEADER_PATH, HTTP2_HEADER_CONTENT_TYPE, HTTP2_HEADER_TE } = constants;

/** gRPC length-prefixed message: flag 0 (not compressed), big-endian length, bytes. */
export function grpcFrame(message: Uint8Array): Buffer {
  const framed = Buffer.allocUnsafe(5 + message.length);
  framed[0] = 0;
  framed.writeUInt32BE(message.length, 1);
  framed.set(message, 5);
  return framed;
}

export interface H2Client {
  /** Unary call to `path` with a pre-framed request; ok when grpc-status is 0. */
  caller(path: string): CallFn<Buffer>;
  close(): void;
}

/** Opens one HTTP/2 session (plaintext, as the bench servers listen) to host:port. */
export function connectH2(address: string): Promise<H2Client> {
  const session: ClientHttp2Session = connect(`http://${address}`);
  // Calls fail individually; a session error must not crash the generator.
  session.on("error", () => {});
  return new Promise((resolve, reject) => {
    session.once("error", reject);
    session.once("connect", () => {
      session.off("error", reject);
      resolve({
        caller: (path) => unaryCaller(session, path),
        close: () => session.close(),
      });
    });
  });
}

function unaryCaller(session: ClientHttp2Session, path: string): CallFn<Buffer> {
  const headers = {
    [HTTP2_HEADER_METHOD]: "POST",
    [HTTP2_HEADER_PATH]: path,
    [HTTP2_HEADER_CONTENT_TYPE]: "application/grpc",
    [HTTP2_HEADER_TE]: "trailers",
  };
  return (framed, done) => {
    let status: string | undefined;
    let finished = false;
    const finish = (ok: boolean) => {
      if (finished) return;
      finished = true;
      done(ok);
    };
    let stream: ReturnType<ClientHttp2Session["request"]>;
    try {
      stream = session.request(headers);
    } catch {
      finish(false);
      return;
    }
    stream.on("response", (h) => {
      // A trailers-only answer (errors) carries grpc-status in the headers.
      if (h["grpc-status"] !== undefined) status = String(h["grpc-status"]);
    });
    stream.on("trailers", (t) => {
      if (t["grpc-status"] !== undefined) status = String(t["grpc-status"]);
    });
    // The response message is not decoded (answers were verified before measuring).
    stream.on("data", () => {});
    stream.on("error", () => finish(false));
    stream.on("close", () => finish(status === "0"));
    stream.end(framed);
  };
}
