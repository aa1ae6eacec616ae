/**
 * The bench's lean HTTP/2 gRPC client against real grpc-js servers: an OK answer counts as a
 * success, a gRPC error status (trailers-only) as a failure, a dead server as a failure, never a
 * hang or a crash.
 */
import { Server, ServerCredentials, status } from "@grpc/grpc-js";
import { afterAll, describe, expect, it } from "vitest";
import { connectH2, grpcFrame } from "../../bench/h2-client.js";
import { startBaseline } from "../../bench/servers.js";
import {
  AuthorizationService,
  CheckRequest,
  type CheckResponse,
} from "../../src/gen/envoy/service/auth/v3/external_auth.js";

const call = (c: (req: Buffer, done: (ok: boolean) => void) => void, req: Buffer) =>
  new Promise<boolean>((resolve) => c(req, resolve));

const request = Buffer.from(
  CheckRequest.encode(
    CheckRequest.fromPartial({ attributes: { request: { http: { method: "GET", path: "/x" } } } }),
  ).finish(),
);

describe("bench h2 client", () => {
  const stops: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const stop of stops) await stop();
  });

  it("frames a message with the gRPC 5-byte prefix", () => {
    const f = grpcFrame(new Uint8Array([7, 8, 9]));
    expect([...f]).toEqual([0, 0, 0, 0, 3, 7, 8, 9]);
  });

  it("counts OK as success and the server's received request is the one sent", async () => {
    const seen: CheckRequest[] = [];
    const server = new Server();
    server.addService(AuthorizationService, {
      check(c: { request: CheckRequest }, cb: (e: null, r: CheckResponse) => void) {
        seen.push(c.request);
        cb(null, { status: { code: 0, message: "", details: [] } });
      },
    });
    const port = await new Promise<number>((ok, fail) =>
      server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (e, p) => (e ? fail(e) : ok(p))),
    );
    stops.push(() => new Promise((r) => server.tryShutdown(() => r())));
    const client = await connectH2(`127.0.0.1:${port}`);
    try {
      const c = client.caller(AuthorizationService.check.path);
      const results = await Promise.all([1, 2, 3].map(() => call(c, grpcFrame(request))));
      expect(results).toEqual([true, true, true]);
      expect(seen).toHaveLength(3);
      expect(seen[0].attributes?.request?.http?.path).toBe("/x");
    } finally {
      client.close();
    }
  });

  it("counts a gRPC error status as a failure", async () => {
    const server = new Server();
    server.addService(AuthorizationService, {
      check(_c: unknown, cb: (e: { code: number; details: string }) => void) {
        cb({ code: status.PERMISSION_DENIED, details: "no" });
      },
    });
    const port = await new Promise<number>((ok, fail) =>
      server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (e, p) => (e ? fail(e) : ok(p))),
    );
    stops.push(() => new Promise((r) => server.tryShutdown(() => r())));
    const client = await connectH2(`127.0.0.1:${port}`);
    try {
      expect(await call(client.caller(AuthorizationService.check.path), grpcFrame(request))).toBe(false);
      // An unknown method is an UNIMPLEMENTED status: a failure too.
      expect(await call(client.caller("/no.Such/Method"), grpcFrame(request))).toBe(false);
    } finally {
      client.close();
    }
  });

  it("fails calls, without throwing, when the server goes away", async () => {
    const s = await startBaseline();
    const client = await connectH2(s.address);
    try {
      const c = client.caller(AuthorizationService.check.path);
      expect(await call(c, grpcFrame(request))).toBe(true);
      await s.stop();
      // The session is still open on this side: the call fails on the dead connection.
      expect(await call(c, grpcFrame(request))).toBe(false);
    } finally {
      client.close();
    }
  });

  it("fails calls, without throwing, once the client is closed", async () => {
    const s = await startBaseline();
    try {
      const client = await connectH2(s.address);
      const c = client.caller(AuthorizationService.check.path);
      client.close();
      expect(await call(c, grpcFrame(request))).toBe(false);
    } finally {
      await s.stop();
    }
  });

  it("refuses to connect to a closed port", async () => {
    const s = await startBaseline();
    await s.stop();
    await expect(connectH2(s.address)).rejects.toThrow();
  });
});
