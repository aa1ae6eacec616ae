/**
 * The load generator's gRPC unary client: HTTP/2 framed by hand over one TCP socket (RFC 9113),
 * plaintext, as the bench servers listen. Envoy calls ext_authz from C++; the generator must not
 * be the noisiest part of the measurement.
 *
 * Why not node:http2: each of its streams is a C++ object with a weakly held JS wrapper that only a
 * mark-compact frees. Measured in the generator at 1000 calls/s: the old generation grew ~5 MB/s
 * and every ~3 s a mark-compact stalled the load for 8-18 ms (20-28 ms when the generator was
 * forked from the whole bench), and its scavenges took 3-5 ms. A stalled generator sends late and
 * reads late, so each stall landed in whichever server's window it fell, as tail latency.
 * This client's per-call garbage is one small record and one write buffer.
 *
 * What it does: the connection preface, SETTINGS (push off, a 16 MiB stream window) and a large
 * connection window, ACKs for the server's SETTINGS and PINGs, flow control on what it sends (the
 * server's connection and stream windows, its frame size and concurrent-stream limits: calls
 * wait in order), RST_STREAM and GOAWAY. Requests are pre-framed gRPC messages (1-byte compression
 * flag, 4-byte length, message) and go out as one HEADERS (a fixed header block: static-table
 * indexes and literals without indexing or Huffman) and the DATA frames after it.
 *
 * What it does not do: decode response header blocks (HPACK). A call counts as OK when its
 * response carries a message (DATA) and then ends with a trailers HEADERS frame. grpc-js answers
 * every unary error trailers-only (no message), so errors, unknown methods and resets all count as
 * failures; the answers themselves were verified with the generated client before measuring
 * (bench/verify.ts). The response message is not decoded.
 */
import { connect, type Socket } from "node:net";
import type { CallFn } from "./loops.js";

/** gRPC length-prefixed message: flag 0 (not compressed), big-endian length, bytes. */
export function grpcFrame(message: Uint8Array): Buffer {
  const framed = Buffer.allocUnsafe(5 + message.length);
  framed[0] = 0;
  framed.writeUInt32BE(message.length, 1);
  framed.set(message, 5);
  return framed;
}

/**
 * A load client (bench/load.ts's LoadClient) over one h2 connection to `address`: calls to `path`,
 * the requests framed once.
 */
export async function h2LoadClient(
  address: string,
  path: string,
  encoded: readonly Buffer[],
): Promise<{ call: CallFn<Buffer>; bodies: Buffer[]; close(): void }> {
  const h2 = await connectH2(address);
  return { call: h2.caller(path), bodies: encoded.map(grpcFrame), close: () => h2.close() };
}

export interface H2Client {
  /** Unary call to `path` with a pre-framed request; ok as described above. */
  caller(path: string): CallFn<Buffer>;
  close(): void;
}

const PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1");
enum Type {
  DATA = 0,
  HEADERS = 1,
  RST_STREAM = 3,
  SETTINGS = 4,
  PING = 6,
  GOAWAY = 7,
  WINDOW_UPDATE = 8,
  CONTINUATION = 9,
}
const END_STREAM = 0x1;
const ACK = 0x1;
const END_HEADERS = 0x4;
const PADDED = 0x8;
const SETTING_ENABLE_PUSH = 0x2;
const SETTING_MAX_CONCURRENT_STREAMS = 0x3;
const SETTING_INITIAL_WINDOW_SIZE = 0x4;
const SETTING_MAX_FRAME_SIZE = 0x5;
/** Our receive windows: large, and the connection's topped up as data is read. */
const STREAM_WINDOW = 16 << 20;
const CONNECTION_WINDOW = 1 << 30;
const MAX_STREAM_ID = 0x7fffffff;

function frameHeader(
  out: Buffer,
  at: number,
  length: number,
  type: number,
  flags: number,
  stream: number,
): void {
  out.writeUIntBE(length, at, 3);
  out[at + 3] = type;
  out[at + 4] = flags;
  out.writeUInt32BE(stream, at + 5);
}

function frame(type: number, flags: number, stream: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const out = Buffer.allocUnsafe(9 + payload.length);
  frameHeader(out, 0, payload.length, type, flags, stream);
  payload.copy(out, 9);
  return out;
}

/** RFC 7541 5.1: an integer with an N-bit prefix, the first byte's high bits set to `first`. */
function hpackInt(value: number, prefixBits: number, first: number): number[] {
  const max = (1 << prefixBits) - 1;
  if (value < max) return [first | value];
  const out = [first | max];
  let rest = value - max;
  while (rest >= 128) {
    out.push((rest % 128) + 128);
    rest = Math.floor(rest / 128);
  }
  out.push(rest);
  return out;
}

/** A string literal, not Huffman-coded. */
function hpackString(s: string): number[] {
  const bytes = Buffer.from(s, "latin1");
  return [...hpackInt(bytes.length, 7, 0), ...bytes];
}

/** The request header block: the same for every call to one path. */
export function requestHeaderBlock(authority: string, path: string): Buffer {
  return Buffer.from([
    0x83, // :method POST (static 3)
    0x86, // :scheme http (static 6)
    ...hpackInt(4, 4, 0x00), // :path (static name 4), literal without indexing
    ...hpackString(path),
    ...hpackInt(1, 4, 0x00), // :authority (static name 1)
    ...hpackString(authority),
    ...hpackInt(31, 4, 0x00), // content-type (static name 31)
    ...hpackString("application/grpc"),
    0x00, // te: new name, literal without indexing
    ...hpackString("te"),
    ...hpackString("trailers"),
  ]);
}

interface Call {
  id: number;
  block: Buffer;
  body: Buffer;
  done: (ok: boolean) => void;
  /** 0: request headers not yet answered; 1: response headers read; 2: a message read. */
  state: 0 | 1 | 2;
}

/** Opens one HTTP/2 connection to host:port; resolves when the server's SETTINGS arrive. */
export function connectH2(address: string): Promise<H2Client> {
  const colon = address.lastIndexOf(":");
  const socket = connect({ host: address.slice(0, colon), port: Number(address.slice(colon + 1)) });
  socket.setNoDelay(true);
  return new Promise((resolve, reject) => {
    const conn = new Connection(socket, address, () => resolve(conn), reject);
  });
}

class Connection implements H2Client {
  private readonly open = new Map<number, Call>();
  private readonly waiting: Call[] = [];
  private nextId = 1;
  private closed = false;
  private settled = false;
  private pending: Buffer | undefined;
  /** What the server lets us send. */
  private sendWindow = 65535;
  private peerStreamWindow = 65535;
  private peerMaxFrame = 16384;
  private peerMaxStreams = Number.POSITIVE_INFINITY;
  private unacked = 0;
  /** A HEADERS block still continuing, and whether its frame ended the stream. */
  private continuing: { stream: number; endStream: boolean } | undefined;

  constructor(
    private readonly socket: Socket,
    private readonly authority: string,
    onReady: () => void,
    onFail: (e: Error) => void,
  ) {
    const settings = Buffer.alloc(18);
    settings.writeUInt16BE(SETTING_ENABLE_PUSH, 0);
    settings.writeUInt32BE(0, 2);
    settings.writeUInt16BE(SETTING_INITIAL_WINDOW_SIZE, 6);
    settings.writeUInt32BE(STREAM_WINDOW, 8);
    settings.writeUInt16BE(SETTING_MAX_FRAME_SIZE, 12);
    settings.writeUInt32BE(16384, 14);
    const increment = Buffer.allocUnsafe(4);
    increment.writeUInt32BE(CONNECTION_WINDOW - 65535, 0);
    socket.on("connect", () => {
      socket.write(
        Buffer.concat([
          PREFACE,
          frame(Type.SETTINGS, 0, 0, settings),
          frame(Type.WINDOW_UPDATE, 0, 0, increment),
        ]),
      );
    });
    socket.on("data", (chunk: Buffer) => {
      try {
        this.read(chunk, () => {
          if (!this.settled) {
            this.settled = true;
            onReady();
          }
        });
      } catch {
        // A protocol error: the connection is unusable.
        this.fail();
      }
    });
    socket.on("error", (e) => {
      if (!this.settled) {
        this.settled = true;
        onFail(e);
      }
      this.fail();
    });
    socket.on("close", () => {
      if (!this.settled) {
        this.settled = true;
        onFail(new Error(`h2: connection to ${authority} closed`));
      }
      this.fail();
    });
  }

  caller(path: string): CallFn<Buffer> {
    const block = requestHeaderBlock(this.authority, path);
    return (body, done) => {
      // Closed, out of stream ids, or a body the server's stream window can never take.
      if (this.closed || this.nextId > MAX_STREAM_ID || body.length > this.peerStreamWindow) {
        done(false);
        return;
      }
      const call: Call = { id: 0, block, body, done, state: 0 };
      if (this.waiting.length > 0 || !this.canSend(call)) this.waiting.push(call);
      else this.send(call);
    };
  }

  close(): void {
    this.fail();
  }

  private canSend(call: Call): boolean {
    return (
      this.open.size < this.peerMaxStreams &&
      call.body.length <= this.sendWindow &&
      call.body.length <= this.peerStreamWindow
    );
  }

  /** HEADERS and the body's DATA frames in one write. */
  private send(call: Call): void {
    call.id = this.nextId;
    this.nextId += 2;
    const n = call.body.length;
    const frames = Math.max(1, Math.ceil(n / this.peerMaxFrame));
    const out = Buffer.allocUnsafe(9 + call.block.length + 9 * frames + n);
    frameHeader(out, 0, call.block.length, Type.HEADERS, END_HEADERS, call.id);
    call.block.copy(out, 9);
    let at = 9 + call.block.length;
    for (let i = 0, from = 0; i < frames; i++) {
      const len = Math.min(this.peerMaxFrame, n - from);
      frameHeader(out, at, len, Type.DATA, i === frames - 1 ? END_STREAM : 0, call.id);
      call.body.copy(out, at + 9, from, from + len);
      at += 9 + len;
      from += len;
    }
    this.sendWindow -= n;
    this.open.set(call.id, call);
    this.socket.write(out);
  }

  private flushWaiting(): void {
    while (this.waiting.length > 0 && !this.closed) {
      const call = this.waiting[0];
      if (call.body.length > this.peerStreamWindow) {
        // Can never be sent on this connection (the server lowered its stream window).
        this.waiting.shift();
        call.done(false);
        continue;
      }
      if (!this.canSend(call)) return;
      this.waiting.shift();
      this.send(call);
    }
  }

  private finish(id: number, ok: boolean): void {
    const call = this.open.get(id);
    if (!call) return;
    this.open.delete(id);
    call.done(ok);
    if (this.waiting.length > 0) this.flushWaiting();
  }

  /** Fails every call still open or waiting; the connection is done. */
  private fail(): void {
    if (this.closed) return;
    this.closed = true;
    const calls = [...this.open.values(), ...this.waiting];
    this.open.clear();
    this.waiting.length = 0;
    this.socket.destroy();
    for (const c of calls) c.done(false);
  }

  private read(chunk: Buffer, onSettings: () => void): void {
    const buf = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = undefined;
    let at = 0;
    while (buf.length - at >= 9) {
      const length = buf.readUIntBE(at, 3);
      if (buf.length - at < 9 + length) break;
      const type = buf[at + 3];
      const flags = buf[at + 4];
      const stream = buf.readUInt32BE(at + 5) & MAX_STREAM_ID;
      const start = at + 9;
      at = start + length;
      if (this.continuing && type !== Type.CONTINUATION) throw new Error("h2: header block interrupted");
      switch (type) {
        case Type.DATA: {
          this.unacked += length;
          const pad = flags & PADDED ? buf[start] + 1 : 0;
          const call = this.open.get(stream);
          if (call && length - pad > 0 && call.state === 1) call.state = 2;
          // A gRPC response never ends on DATA: no trailers, no status.
          if (flags & END_STREAM) this.finish(stream, false);
          break;
        }
        case Type.HEADERS:
          if (flags & END_HEADERS) this.headersDone(stream, (flags & END_STREAM) !== 0);
          else this.continuing = { stream, endStream: (flags & END_STREAM) !== 0 };
          break;
        case Type.CONTINUATION:
          if (!this.continuing || this.continuing.stream !== stream)
            throw new Error("h2: stray CONTINUATION");
          if (flags & END_HEADERS) {
            const { endStream } = this.continuing;
            this.continuing = undefined;
            this.headersDone(stream, endStream);
          }
          break;
        case Type.RST_STREAM:
          this.finish(stream, false);
          break;
        case Type.SETTINGS:
          if (!(flags & ACK)) {
            this.applySettings(buf.subarray(start, at));
            this.socket.write(frame(Type.SETTINGS, ACK, 0));
            onSettings();
            this.flushWaiting();
          }
          break;
        case Type.PING:
          if (!(flags & ACK))
            this.socket.write(frame(Type.PING, ACK, 0, Buffer.from(buf.subarray(start, at))));
          break;
        case Type.GOAWAY: {
          const last = buf.readUInt32BE(start) & MAX_STREAM_ID;
          for (const id of [...this.open.keys()]) if (id > last) this.finish(id, false);
          // No new streams on this connection; those still open may finish.
          this.nextId = MAX_STREAM_ID + 2;
          for (const c of this.waiting.splice(0)) c.done(false);
          break;
        }
        case Type.WINDOW_UPDATE:
          if (stream === 0) {
            this.sendWindow += buf.readUInt32BE(start) & MAX_STREAM_ID;
            this.flushWaiting();
          }
          break;
        default:
          // PRIORITY, PUSH_PROMISE (push is off) and unknown types: ignored.
          break;
      }
    }
    if (at < buf.length) this.pending = Buffer.from(buf.subarray(at));
    if (this.unacked >= 1 << 20) {
      const increment = Buffer.allocUnsafe(4);
      increment.writeUInt32BE(this.unacked, 0);
      this.unacked = 0;
      this.socket.write(frame(Type.WINDOW_UPDATE, 0, 0, increment));
    }
  }

  /** A complete header block on `stream`: response headers, or trailers when it ends the stream. */
  private headersDone(stream: number, endStream: boolean): void {
    const call = this.open.get(stream);
    if (!call) return;
    if (!endStream) {
      if (call.state === 0) call.state = 1;
      return;
    }
    // Trailers after a message: OK. Trailers-only (no message): a gRPC error.
    this.finish(stream, call.state === 2);
  }

  private applySettings(payload: Buffer): void {
    for (let i = 0; i + 6 <= payload.length; i += 6) {
      const id = payload.readUInt16BE(i);
      const value = payload.readUInt32BE(i + 2);
      if (id === SETTING_INITIAL_WINDOW_SIZE) this.peerStreamWindow = value;
      else if (id === SETTING_MAX_FRAME_SIZE) this.peerMaxFrame = value;
      else if (id === SETTING_MAX_CONCURRENT_STREAMS) this.peerMaxStreams = value;
    }
  }
}
