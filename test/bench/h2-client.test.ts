/**
 * The bench's hand-framed HTTP/2 gRPC client against real grpc-js servers and a scripted peer: an
 * OK answer counts as a success, a gRPC error status (trailers-only), a reset, a GOAWAY or a dead
 * server as a failure, never a hang or a crash; flow control holds with 6 MB in flight.
 */
import { createServer, type Socket } from "node:net";
import { Server, ServerCredentials, status } from "@grpc/grpc-js";
import { afterAll, describe, expect, it } from "vitest";
import { connectH2, grpcFrame, requestHeaderBlock } from "../../bench/h2-client.js";
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

  it("respects the server's flow control: 300 concurrent 20 KB requests (6 MB, DATA split at 16 KB) all arrive", async () => {
    const sizes: number[] = [];
    const server = new Server();
    server.addService(AuthorizationService, {
      check(c: { request: CheckRequest }, cb: (e: null, r: CheckResponse) => void) {
        sizes.push(c.request.attributes?.request?.http?.body?.length ?? -1);
        cb(null, { status: { code: 0, message: "", details: [] } });
      },
    });
    const port = await new Promise<number>((ok, fail) =>
      server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (e, p) => (e ? fail(e) : ok(p))),
    );
    stops.push(() => new Promise((r) => server.tryShutdown(() => r())));
    const big = Buffer.from(
      CheckRequest.encode(
        CheckRequest.fromPartial({
          attributes: { request: { http: { method: "POST", body: "b".repeat(20_000) } } },
        }),
      ).finish(),
    );
    const client = await connectH2(`127.0.0.1:${port}`);
    try {
      const c = client.caller(AuthorizationService.check.path);
      const results = await Promise.all(Array.from({ length: 300 }, () => call(c, grpcFrame(big))));
      expect(results.every((ok) => ok)).toBe(true);
      expect(sizes).toEqual(Array(300).fill(20_000));
    } finally {
      client.close();
    }
  });

  it("encodes HPACK integers as RFC 7541 C.1 shows, and a header block of literals", () => {
    const block = requestHeaderBlock("h:1", "/p");
    // :method POST, :scheme http, then :path (static name 4) "/p".
    expect([...block.subarray(0, 6)]).toEqual([0x83, 0x86, 0x04, 2, 0x2f, 0x70]);
    // content-type is static entry 31: a 4-bit prefix overflows to 15 + 16.
    expect(block.includes(Buffer.from([0x0f, 0x10, 16]))).toBe(true);
    expect(block.toString("latin1")).toContain("application/grpc");
    expect(block.toString("latin1")).toContain("trailers");
  });

  describe("against a scripted HTTP/2 peer", () => {
    /** A raw peer: answers each request stream with what `answer` writes. */
    const scripted = async (
      answer: (socket: Socket, stream: number, n: number) => void,
      onFrame?: (type: number, payload: Buffer) => void,
    ) => {
      const server = createServer((socket) => {
        // The client's preface, then frames; each request stream ending (DATA with END_STREAM) is answered.
        let buf = Buffer.alloc(0);
        let sawPreface = false;
        let requests = 0;
        socket.write(raw(4, 0, 0, Buffer.alloc(0)));
        socket.on("data", (d: Buffer) => {
          buf = Buffer.concat([buf, d]);
          if (!sawPreface) {
            if (buf.length < 24) return;
            buf = buf.subarray(24);
            sawPreface = true;
          }
          while (buf.length >= 9) {
            const len = buf.readUIntBE(0, 3);
            if (buf.length < 9 + len) break;
            const type = buf[3];
            const flags = buf[4];
            const stream = buf.readUInt32BE(5);
            onFrame?.(type, buf.subarray(9, 9 + len));
            if (type === 0 && flags & 1) answer(socket, stream, requests++);
            buf = buf.subarray(9 + len);
          }
        });
        socket.on("error", () => {});
      });
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
      stops.push(() => new Promise((r) => server.close(() => r())));
      const address = server.address();
      if (address === null || typeof address === "string") throw new Error("no port");
      return connectH2(`127.0.0.1:${address.port}`);
    };
    const raw = (type: number, flags: number, stream: number, payload: Buffer) => {
      const out = Buffer.alloc(9 + payload.length);
      out.writeUIntBE(payload.length, 0, 3);
      out[3] = type;
      out[4] = flags;
      out.writeUInt32BE(stream, 5);
      payload.copy(out, 9);
      return out;
    };
    // Header blocks are not decoded: any bytes do.
    const block = Buffer.from([0x88]);
    const message = grpcFrame(Buffer.from([1, 2, 3]));

    it("OK = headers, a message, then trailers (also split over CONTINUATION); DATA ending the stream, RST_STREAM and trailers-only fail", async () => {
      const client = await scripted((socket, stream, n) => {
        if (n === 0) {
          socket.write(raw(1, 4, stream, block));
          socket.write(raw(0, 0, stream, message));
          socket.write(Buffer.concat([raw(1, 1, stream, block), raw(9, 4, stream, block)]));
        } else if (n === 1) socket.write(raw(3, 0, stream, Buffer.from([0, 0, 0, 2])));
        else if (n === 2) socket.write(Buffer.concat([raw(1, 4, stream, block), raw(0, 1, stream, message)]));
        else socket.write(raw(1, 5, stream, block));
      });
      try {
        const c = client.caller("/x/y");
        expect(await call(c, grpcFrame(request))).toBe(true);
        expect(await call(c, grpcFrame(request))).toBe(false);
        expect(await call(c, grpcFrame(request))).toBe(false);
        expect(await call(c, grpcFrame(request))).toBe(false);
      } finally {
        client.close();
      }
    });

    it("answers PING with the same payload, and after GOAWAY fails the streams it did not take and every later call", async () => {
      const pings: Buffer[] = [];
      const client = await scripted(
        (socket, stream, n) => {
          if (n === 0) {
            socket.write(raw(6, 0, 0, Buffer.from("12345678")));
            socket.write(
              Buffer.concat([raw(1, 4, stream, block), raw(0, 0, stream, message), raw(1, 5, stream, block)]),
            );
          } else {
            const goaway = Buffer.alloc(8);
            goaway.writeUInt32BE(stream - 2, 0);
            socket.write(raw(7, 0, 0, goaway));
          }
        },
        (type, payload) => {
          if (type === 6) pings.push(Buffer.from(payload));
        },
      );
      try {
        const c = client.caller("/x/y");
        expect(await call(c, grpcFrame(request))).toBe(true);
        expect(await call(c, grpcFrame(request))).toBe(false);
        expect(await call(c, grpcFrame(request))).toBe(false);
        expect(pings.map((p) => p.toString())).toEqual(["12345678"]);
      } finally {
        client.close();
      }
    });

    it("a malformed frame sequence (CONTINUATION out of place) fails the open calls instead of throwing", async () => {
      const client = await scripted((socket, stream) => {
        socket.write(raw(9, 4, stream, block));
      });
      try {
        expect(await call(client.caller("/x/y"), grpcFrame(request))).toBe(false);
      } finally {
        client.close();
      }
    });
  });

  it("refuses to connect to a closed port", async () => {
    const s = await startBaseline();
    await s.stop();
    await expect(connectH2(s.address)).rejects.toThrow();
  });
});
