/**
 * What Envoy sees of a downstream mTLS connection, obtained through a REAL TLS handshake: a
 * node:tls server that requires client certificates (verified against the demo roots, as Envoy's
 * downstream TLS context would), and the peer's leaf encoded exactly as Envoy puts it in
 * attributes.source.certificate (PEM of the leaf only, URL-encoded) and source.principal.
 */
import { connect, createServer, type TLSSocket } from "node:tls";
import { derToPem, envoyPrincipal, envoyUrlEncodePem } from "../../../src/demo/envoy-encoding.js";

export interface PeerView {
  /** attributes.source.certificate */
  certificate: string;
  /** attributes.source.principal: first URI SAN, else first DNS SAN, else the subject. */
  principal: string;
  /** PEM of the leaf as received. */
  pem: string;
}

export { derToPem, envoyUrlEncodePem } from "../../../src/demo/envoy-encoding.js";

export interface EnvoyListener {
  port: number;
  /** Performs a TLS handshake as the given client and returns what Envoy would forward. */
  handshake(client: { cert: Buffer; key: Buffer }): Promise<PeerView>;
  close(): Promise<void>;
}

export async function startEnvoyListener(opts: {
  cert: Buffer;
  key: Buffer;
  clientCas: Buffer[];
  serverCa: Buffer[];
}): Promise<EnvoyListener> {
  const peers: Array<(s: TLSSocket) => void> = [];
  const server = createServer(
    { cert: opts.cert, key: opts.key, ca: opts.clientCas, requestCert: true, rejectUnauthorized: true },
    (socket) => {
      const next = peers.shift();
      next?.(socket);
      socket.end();
    },
  );
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    port,
    handshake(client) {
      return new Promise<PeerView>((resolve, reject) => {
        const onPeer = (socket: TLSSocket) => {
          const peer = socket.getPeerCertificate();
          if (!peer?.raw) {
            reject(new Error("no peer certificate after the handshake"));
            return;
          }
          const pem = derToPem(peer.raw);
          resolve({
            certificate: envoyUrlEncodePem(pem),
            principal: envoyPrincipal(peer.raw),
            pem,
          });
        };
        peers.push(onPeer);
        const fail = (e: Error) => {
          const i = peers.indexOf(onPeer);
          if (i >= 0) peers.splice(i, 1);
          reject(e);
        };
        const c = connect({
          host: "127.0.0.1",
          port,
          cert: client.cert,
          key: client.key,
          ca: opts.serverCa,
          servername: "envoy",
        });
        c.on("error", fail);
        c.on("close", () => fail(new Error("the server closed the connection without accepting the client")));
        c.on("data", () => {});
      });
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
