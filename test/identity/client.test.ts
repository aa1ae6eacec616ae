import { once } from "node:events";
import { connect, createServer, type PeerCertificate, type Server } from "node:tls";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServerIdentityCheck } from "../../src/identity/index.js";
import { exportPrivateKeyPem, type IssuedCertificate, issueCertificate } from "../../src/pki/issue.js";
import { type Domain, leaf, makeDomain } from "./helpers.js";

const SERVER_ID = "spiffe://a.example/ns/demo/sa/backend";
let a: Domain;
let server: IssuedCertificate;
let twoUris: IssuedCertificate;
let otherTd: IssuedCertificate;
let wildcard: IssuedCertificate;

const peer = (c: IssuedCertificate) => ({ raw: c.der }) as unknown as PeerCertificate;

beforeAll(async () => {
  a = await makeDomain("a.example");
  server = await leaf(a.int1, SERVER_ID, { dns: ["backend.a.example", "backend"] });
  twoUris = await issueCertificate({ subject: "CN=x", issuer: a.int1, uris: [SERVER_ID, `${SERVER_ID}2`] });
  otherTd = await leaf(a.int1, "spiffe://b.example/ns/demo/sa/backend", { dns: ["backend.a.example"] });
  wildcard = await leaf(a.int1, "spiffe://a.example/w", { dns: ["*.svc.a.example"] });
});

describe("createServerIdentityCheck", () => {
  it("matches DNS-IDs (RFC 9525 §6.3) when no identity is configured", () => {
    const check = createServerIdentityCheck();
    expect(check("backend.a.example", peer(server))).toBeUndefined();
    expect(check("BACKEND.A.EXAMPLE.", peer(server))).toBeUndefined();
    expect(check("frontend.a.example", peer(server))).toMatchObject({ code: "server_name_mismatch" });
    expect(check("x.svc.a.example", peer(wildcard))).toBeUndefined();
    expect(check("y.x.svc.a.example", peer(wildcard))).toMatchObject({ code: "server_name_mismatch" });
    // The identifier's trust domain is not a host name.
    expect(check("a.example", peer(server))).toMatchObject({ code: "server_name_mismatch" });
  });

  it("matches the exact workload identifier when configured, ignoring the hostname", () => {
    const check = createServerIdentityCheck({ expectedId: SERVER_ID });
    expect(check("10.0.0.1", peer(server))).toBeUndefined();
    expect(createServerIdentityCheck({ expectedId: `${SERVER_ID}x` })("h", peer(server))).toMatchObject({
      code: "server_id_mismatch",
    });
    expect(check("backend.a.example", peer(otherTd))).toMatchObject({ code: "server_trust_domain_mismatch" });
    expect(check("h", peer(twoUris))).toMatchObject({ code: "x509_multiple_uri_sans" });
    expect(check("h", { raw: Buffer.alloc(0) } as unknown as PeerCertificate)).toMatchObject({
      code: "server_no_certificate",
    });
    expect(check("h", { raw: Buffer.from([0x30, 0x01]) } as unknown as PeerCertificate)).toMatchObject({
      code: "x509_truncated",
    });
  });

  it("can require both the identifier and the DNS-ID", () => {
    const check = createServerIdentityCheck({ expectedId: SERVER_ID, alsoCheckHostname: true });
    expect(check("backend", peer(server))).toBeUndefined();
    expect(check("other", peer(server))).toMatchObject({ code: "server_name_mismatch" });
  });

  it("rejects a non-canonical expected identifier at construction", () => {
    expect(() => createServerIdentityCheck({ expectedId: "spiffe://a.example/x/" })).toThrow();
  });

  describe("with tls.connect", () => {
    let srv: Server;
    let port: number;
    beforeAll(async () => {
      srv = createServer(
        { cert: server.pem + a.int1.pem, key: await exportPrivateKeyPem(server.keys.privateKey) },
        (s) => s.end("hi"),
      );
      srv.listen(0, "127.0.0.1");
      await once(srv, "listening");
      port = (srv.address() as AddressInfo).port;
    });
    afterAll(() => srv.close());

    const dial = (expectedId: string) =>
      new Promise<string>((resolve) => {
        const sock = connect({
          host: "127.0.0.1",
          port,
          servername: "backend",
          ca: a.root.pem,
          checkServerIdentity: createServerIdentityCheck({ expectedId }),
        });
        sock.on("secureConnect", () => {
          sock.end();
          resolve("ok");
        });
        sock.on("error", (e) => resolve((e as { code?: string }).code ?? e.message));
      });

    it("connects to the expected identity and refuses another", async () => {
      expect(await dial(SERVER_ID)).toBe("ok");
      expect(await dial("spiffe://a.example/ns/demo/sa/other")).toBe("server_id_mismatch");
    });
  });
});
