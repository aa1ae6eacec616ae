/**
 * CheckResponse in protobuf wire format, byte for byte what the generated encoder
 * (CheckResponse.encode) writes, without its per-message garbage: the generated code wraps every
 * Struct and Value in a new object (Struct.wrap, Value.wrap), builds a BoolValue per header and
 * walks the metadata with Object.entries, which costs more than the bytes themselves.
 *
 * Two passes over the response: `measure` records the byte length of every nested message and
 * string in visiting order, `write` visits in the same order and emits into one exactly sized
 * buffer. A response outside the shapes handled here (Status.details, a metadata value that is not
 * JSON data, a "__proto__" key, an int32 field out of 0..2^31-1, a field of the wrong type) makes
 * `encode` return undefined, and the caller uses the generated encoder, which decides what such a
 * value means (or throws).
 */
import type { HeaderValueOption, QueryParameter } from "../gen/envoy/config/core/v3/base.js";
import type { Status } from "../gen/google/rpc/status.js";
import type {
  CheckResponse,
  DeniedHttpResponse,
  OkHttpResponse,
} from "../gen/envoy/service/auth/v3/external_auth.js";

/** Thrown by `measure` for a shape it does not handle; never escapes `encode`. */
const UNSUPPORTED = Symbol("unsupported");
const INT32_MAX = 0x7fffffff;
const EMPTY = Buffer.alloc(0);
/** Up to this length an ASCII string is copied by a JS loop rather than Buffer#write. */
const SHORT_ASCII = 64;

type Struct = Record<string, unknown>;

// Field tags (field number << 3 | wire type), in the generated encoder's field order.
const TAG = {
  response: { status: 0x0a, denied: 0x12, ok: 0x1a, metadata: 0x22 },
  status: { code: 0x08, message: 0x12 },
  denied: { status: 0x0a, headers: 0x12, body: 0x1a },
  httpStatus: { code: 0x08 },
  ok: {
    headers: 0x12,
    headersToRemove: 0x2a,
    metadata: 0x1a,
    responseHeadersToAdd: 0x32,
    queryParametersToSet: 0x3a,
    queryParametersToRemove: 0x42,
  },
  option: { header: 0x0a, append: 0x12, appendAction: 0x18, keepEmptyValue: 0x20 },
  header: { key: 0x0a, value: 0x12, rawValue: 0x1a },
  boolValue: { value: 0x08 },
  query: { key: 0x0a, value: 0x12 },
  struct: { field: 0x0a },
  entry: { key: 0x0a, value: 0x12 },
  value: { null: 0x08, number: 0x11, string: 0x1a, bool: 0x20, struct: 0x2a, list: 0x32 },
  list: { value: 0x0a },
} as const;

function varintSize(n: number): number {
  return n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : n < 0x10000000 ? 4 : 5;
}

/** A length-delimited field of `n` payload bytes (all tags here fit one byte). */
function delimited(n: number): number {
  return 1 + varintSize(n) + n;
}

function int32(v: unknown): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > INT32_MAX) throw UNSUPPORTED;
  return v;
}

function text(v: unknown): string {
  if (typeof v !== "string") throw UNSUPPORTED;
  return v;
}

/** A metadata object the generated Struct.wrap copies key by key, with nothing it would lose. */
function plainStruct(v: unknown): Struct {
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw UNSUPPORTED;
  const proto: unknown = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) throw UNSUPPORTED;
  // Struct.wrap assigns fields one by one: a "__proto__" key would set a prototype, not a field.
  if (Object.hasOwn(v, "__proto__")) throw UNSUPPORTED;
  return v as Struct;
}

/** Encoded content of frozen ok_responses, kept as long as they are. */
const okBytes = new WeakMap<OkHttpResponse, Buffer>();

export class CheckResponseEncoder {
  /** Byte lengths of nested messages and strings, in visiting order. */
  private readonly lens: number[] = [];
  private next = 0;
  private buf: Buffer = EMPTY;
  private pos = 0;

  /** @param keep keep the bytes of frozen ok_responses (keptOk) */
  constructor(private readonly keep = true) {}

  /**
   * The response's bytes, or undefined when the response has a shape this encoder leaves to the
   * generated one. Like most small Buffers, the result may be a slice of Node's shared pool
   * (Buffer.allocUnsafe, several times cheaper than a buffer of its own): copy it, never transfer
   * its ArrayBuffer.
   */
  encode(r: CheckResponse): Buffer | undefined {
    this.lens.length = 0;
    let size: number;
    try {
      size = this.measureResponse(r);
    } catch {
      // UNSUPPORTED, or a malformed response (a missing list): the generated encoder's call.
      return undefined;
    }
    this.buf = Buffer.allocUnsafe(size);
    this.pos = 0;
    this.next = 0;
    this.writeResponse(r);
    const out = this.buf;
    this.buf = EMPTY;
    if (this.pos !== size) throw new Error("CheckResponse encoder: wrote a different size than measured");
    return out;
  }

  /**
   * The content bytes of a frozen ok_response (response.ts shares one per decision and identity),
   * encoded once by an encoder of its own; undefined when it has a shape left to the generated
   * encoder.
   */
  private keptOk(o: OkHttpResponse): Buffer | undefined {
    let kept = okBytes.get(o);
    if (kept === undefined) {
      // An encoder that does not keep: this one would look for these very bytes again.
      const whole = new CheckResponseEncoder(false).encode({ okResponse: o } as CheckResponse);
      if (whole === undefined) return undefined;
      // [tag][length varint][content]: keep the content, in memory of its own (not the pool's).
      let start = 1;
      while ((whole[start] as number) & 0x80) start++;
      const content = whole.subarray(start + 1);
      kept = Buffer.allocUnsafeSlow(content.length);
      content.copy(kept);
      okBytes.set(o, kept);
    }
    return kept;
  }

  // --- measure: sizes, pushed to lens in the order write() will need them -------------------

  /** Reserves a length slot for a nested message; fill it with `close`. */
  private open(): number {
    this.lens.push(0);
    return this.lens.length - 1;
  }

  private close(slot: number, size: number): number {
    this.lens[slot] = size;
    return delimited(size);
  }

  private measureString(s: string): number {
    const n = Buffer.byteLength(s, "utf8");
    this.lens.push(n);
    return delimited(n);
  }

  private measureResponse(r: CheckResponse): number {
    let size = 0;
    if (r.status !== undefined) size += this.measureStatus(r.status);
    if (r.deniedResponse !== undefined) size += this.measureDenied(r.deniedResponse);
    if (r.okResponse !== undefined) size += this.measureOk(r.okResponse);
    if (r.dynamicMetadata !== undefined) size += this.measureStruct(plainStruct(r.dynamicMetadata));
    return size;
  }

  private measureStatus(s: Status): number {
    const slot = this.open();
    if (!Array.isArray(s.details) || s.details.length !== 0) throw UNSUPPORTED;
    let size = 0;
    const code = int32(s.code);
    if (code !== 0) size += 1 + varintSize(code);
    if (text(s.message) !== "") size += this.measureString(s.message);
    return this.close(slot, size);
  }

  private measureDenied(d: DeniedHttpResponse): number {
    const slot = this.open();
    let size = 0;
    if (d.status !== undefined) {
      const statusSlot = this.open();
      const code = int32(d.status.code);
      size += this.close(statusSlot, code !== 0 ? 1 + varintSize(code) : 0);
    }
    for (const h of d.headers) size += this.measureOption(h);
    if (text(d.body) !== "") size += this.measureString(d.body);
    return this.close(slot, size);
  }

  private measureOk(o: OkHttpResponse): number {
    const kept = this.keep && Object.isFrozen(o) ? this.keptOk(o) : undefined;
    if (kept !== undefined) {
      this.lens.push(kept.length);
      return delimited(kept.length);
    }
    const slot = this.open();
    let size = 0;
    for (const h of o.headers) size += this.measureOption(h);
    for (const n of o.headersToRemove) size += this.measureString(text(n));
    if (o.dynamicMetadata !== undefined) size += this.measureStruct(plainStruct(o.dynamicMetadata));
    for (const h of o.responseHeadersToAdd) size += this.measureOption(h);
    for (const q of o.queryParametersToSet) size += this.measureQuery(q);
    for (const n of o.queryParametersToRemove) size += this.measureString(text(n));
    return this.close(slot, size);
  }

  private measureOption(h: HeaderValueOption): number {
    const slot = this.open();
    let size = 0;
    if (h.header !== undefined) {
      const headerSlot = this.open();
      let hs = 0;
      if (text(h.header.key) !== "") hs += this.measureString(h.header.key);
      if (text(h.header.value) !== "") hs += this.measureString(h.header.value);
      if (!(h.header.rawValue instanceof Uint8Array)) throw UNSUPPORTED;
      if (h.header.rawValue.length !== 0) hs += delimited(h.header.rawValue.length);
      size += this.close(headerSlot, hs);
    }
    if (h.append !== undefined) {
      if (typeof h.append !== "boolean") throw UNSUPPORTED;
      size += h.append ? 4 : 2; // BoolValue: empty for false, {value: true} otherwise
    }
    const action = int32(h.appendAction);
    if (action !== 0) size += 1 + varintSize(action);
    if (typeof h.keepEmptyValue !== "boolean") throw UNSUPPORTED;
    if (h.keepEmptyValue) size += 2;
    return this.close(slot, size);
  }

  private measureQuery(q: QueryParameter): number {
    const slot = this.open();
    let size = 0;
    if (text(q.key) !== "") size += this.measureString(q.key);
    if (text(q.value) !== "") size += this.measureString(q.value);
    return this.close(slot, size);
  }

  private measureStruct(s: Struct): number {
    const slot = this.open();
    let size = 0;
    for (const key of Object.keys(s)) {
      const v = s[key];
      if (v === undefined) continue; // Struct.encode skips undefined fields
      const entrySlot = this.open();
      let es = 0;
      if (key !== "") es += this.measureString(key);
      es += this.measureValue(v);
      size += this.close(entrySlot, es);
    }
    return this.close(slot, size);
  }

  /** A Value as the field of its parent (tag, length, content). */
  private measureValue(v: unknown): number {
    const slot = this.open();
    return this.close(slot, this.measureValueContent(v));
  }

  private measureValueContent(v: unknown): number {
    if (v === undefined) return 0; // Value.wrap(undefined): an empty Value (list items only)
    if (v === null || typeof v === "boolean") return 2;
    if (typeof v === "number") return 9;
    if (typeof v === "string") return this.measureString(v);
    if (Array.isArray(v)) {
      const slot = this.open();
      let size = 0;
      for (let i = 0; i < v.length; i++) size += this.measureValue(v[i]);
      return this.close(slot, size);
    }
    return this.measureStruct(plainStruct(v));
  }

  // --- write: the same visit, emitting bytes -------------------------------------------------

  private varint(n: number): void {
    const buf = this.buf;
    while (n >= 0x80) {
      buf[this.pos++] = (n & 0x7f) | 0x80;
      n >>>= 7;
    }
    buf[this.pos++] = n;
  }

  /** Tag and the recorded length of the next nested message. */
  private begin(tag: number): void {
    this.buf[this.pos++] = tag;
    this.varint(this.lens[this.next++] as number);
  }

  private string(tag: number, s: string): void {
    const n = this.lens[this.next++] as number;
    const buf = this.buf;
    buf[this.pos++] = tag;
    this.varint(n);
    if (n === s.length && n <= SHORT_ASCII) {
      // Byte length = UTF-16 length only for ASCII; short strings copy faster here than natively.
      let pos = this.pos;
      for (let i = 0; i < n; i++) buf[pos++] = s.charCodeAt(i);
      this.pos = pos;
    } else {
      this.pos += buf.write(s, this.pos, n, "utf8");
    }
  }

  private writeResponse(r: CheckResponse): void {
    const t = TAG.response;
    if (r.status !== undefined) {
      this.begin(t.status);
      if (r.status.code !== 0) {
        this.buf[this.pos++] = TAG.status.code;
        this.varint(r.status.code);
      }
      if (r.status.message !== "") this.string(TAG.status.message, r.status.message);
    }
    if (r.deniedResponse !== undefined) this.writeDenied(r.deniedResponse);
    if (r.okResponse !== undefined) this.writeOk(r.okResponse);
    if (r.dynamicMetadata !== undefined) this.writeStruct(t.metadata, r.dynamicMetadata);
  }

  private writeDenied(d: DeniedHttpResponse): void {
    const t = TAG.denied;
    this.begin(TAG.response.denied);
    if (d.status !== undefined) {
      this.begin(t.status);
      if (d.status.code !== 0) {
        this.buf[this.pos++] = TAG.httpStatus.code;
        this.varint(d.status.code);
      }
    }
    for (const h of d.headers) this.writeOption(t.headers, h);
    if (d.body !== "") this.string(t.body, d.body);
  }

  private writeOk(o: OkHttpResponse): void {
    const t = TAG.ok;
    this.begin(TAG.response.ok);
    const kept = this.keep && Object.isFrozen(o) ? okBytes.get(o) : undefined;
    if (kept !== undefined) {
      this.buf.set(kept, this.pos);
      this.pos += kept.length;
      return;
    }
    for (const h of o.headers) this.writeOption(t.headers, h);
    for (const n of o.headersToRemove) this.string(t.headersToRemove, n);
    if (o.dynamicMetadata !== undefined) this.writeStruct(t.metadata, o.dynamicMetadata);
    for (const h of o.responseHeadersToAdd) this.writeOption(t.responseHeadersToAdd, h);
    for (const q of o.queryParametersToSet) {
      this.begin(t.queryParametersToSet);
      if (q.key !== "") this.string(TAG.query.key, q.key);
      if (q.value !== "") this.string(TAG.query.value, q.value);
    }
    for (const n of o.queryParametersToRemove) this.string(t.queryParametersToRemove, n);
  }

  private writeOption(tag: number, h: HeaderValueOption): void {
    const t = TAG.option;
    this.begin(tag);
    if (h.header !== undefined) {
      this.begin(t.header);
      if (h.header.key !== "") this.string(TAG.header.key, h.header.key);
      if (h.header.value !== "") this.string(TAG.header.value, h.header.value);
      const raw = h.header.rawValue;
      if (raw.length !== 0) {
        this.buf[this.pos++] = TAG.header.rawValue;
        this.varint(raw.length);
        this.buf.set(raw, this.pos);
        this.pos += raw.length;
      }
    }
    if (h.append !== undefined) {
      this.buf[this.pos++] = t.append;
      if (h.append) {
        this.buf[this.pos++] = 2;
        this.buf[this.pos++] = TAG.boolValue.value;
        this.buf[this.pos++] = 1;
      } else {
        this.buf[this.pos++] = 0;
      }
    }
    if (h.appendAction !== 0) {
      this.buf[this.pos++] = t.appendAction;
      this.varint(h.appendAction);
    }
    if (h.keepEmptyValue) {
      this.buf[this.pos++] = t.keepEmptyValue;
      this.buf[this.pos++] = 1;
    }
  }

  private writeStruct(tag: number, s: Struct): void {
    this.begin(tag);
    for (const key of Object.keys(s)) {
      const v = s[key];
      if (v === undefined) continue;
      this.begin(TAG.struct.field);
      if (key !== "") this.string(TAG.entry.key, key);
      this.writeValue(TAG.entry.value, v);
    }
  }

  private writeValue(tag: number, v: unknown): void {
    const t = TAG.value;
    this.begin(tag);
    if (v === undefined) return;
    const buf = this.buf;
    if (v === null) {
      buf[this.pos++] = t.null;
      buf[this.pos++] = 0;
    } else if (typeof v === "boolean") {
      buf[this.pos++] = t.bool;
      buf[this.pos++] = v ? 1 : 0;
    } else if (typeof v === "number") {
      buf[this.pos++] = t.number;
      this.pos = buf.writeDoubleLE(v, this.pos);
    } else if (typeof v === "string") {
      this.string(t.string, v);
    } else if (Array.isArray(v)) {
      this.begin(t.list);
      for (let i = 0; i < v.length; i++) this.writeValue(TAG.list.value, v[i]);
    } else {
      this.writeStruct(t.struct, v as Struct);
    }
  }
}
