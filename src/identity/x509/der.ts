/**
 * A strict DER reader (X.690): definite, minimal lengths only; every read is bounds-checked and a
 * violation throws X509Error with `code` (x509_truncated for short input, else the given code).
 */
import { X509Error, type X509ErrorCode } from "./errors.js";

export interface Tlv {
  /** Identifier octet (single-byte tags only: class, constructed bit and number < 31). */
  tag: number;
  /** Content octets. */
  value: Uint8Array;
  /** The whole encoding: identifier, length and content. */
  raw: Uint8Array;
}

export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8String: 0x0c,
  PrintableString: 0x13,
  IA5String: 0x16,
  UTCTime: 0x17,
  GeneralizedTime: 0x18,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

export class DerReader {
  private pos = 0;
  constructor(
    private readonly buf: Uint8Array,
    private readonly code: X509ErrorCode = "x509_malformed",
  ) {}

  get done(): boolean {
    return this.pos >= this.buf.length;
  }

  peekTag(): number | undefined {
    return this.done ? undefined : this.buf[this.pos];
  }

  fail(message: string): never {
    throw new X509Error(this.code, message);
  }

  read(expectTag?: number): Tlv {
    const start = this.pos;
    const buf = this.buf;
    if (start >= buf.length) throw new X509Error("x509_truncated", "unexpected end of data");
    const tag = buf[start] as number;
    if ((tag & 0x1f) === 0x1f) this.fail("multi-byte tags are not supported");
    if (expectTag !== undefined && tag !== expectTag) {
      this.fail(`expected tag 0x${expectTag.toString(16)}, found 0x${tag.toString(16)}`);
    }
    if (start + 1 >= buf.length) throw new X509Error("x509_truncated", "unexpected end of data in length");
    const first = buf[start + 1] as number;
    let len: number;
    let p = start + 2;
    if (first < 0x80) {
      len = first;
    } else {
      const n = first & 0x7f;
      if (n === 0) this.fail("indefinite length is not DER");
      if (n > 4) this.fail("length too large");
      if (p + n > buf.length) throw new X509Error("x509_truncated", "unexpected end of data in length");
      len = 0;
      for (let i = 0; i < n; i++) len = len * 256 + (buf[p + i] as number);
      if (buf[p] === 0 || len < 0x80) this.fail("non-minimal length encoding");
      p += n;
    }
    if (p + len > buf.length) throw new X509Error("x509_truncated", "value extends past the end of data");
    this.pos = p + len;
    return { tag, value: buf.subarray(p, p + len), raw: buf.subarray(start, p + len) };
  }

  /** Reads an element only when the next tag is `tag`. */
  readOptional(tag: number): Tlv | undefined {
    return this.peekTag() === tag ? this.read(tag) : undefined;
  }

  end(what: string): void {
    if (!this.done) this.fail(`trailing data in ${what}`);
  }
}

export function reader(tlvOrBytes: Tlv | Uint8Array, code?: X509ErrorCode): DerReader {
  return new DerReader("value" in tlvOrBytes ? tlvOrBytes.value : tlvOrBytes, code);
}

/** Parses exactly one element covering all of `bytes`. */
export function readOne(
  bytes: Uint8Array,
  expectTag: number | undefined,
  what: string,
  code?: X509ErrorCode,
): Tlv {
  const r = new DerReader(bytes, code);
  const tlv = r.read(expectTag);
  r.end(what);
  return tlv;
}

export function decodeOid(tlv: Tlv): string {
  const v = tlv.value;
  if (v.length === 0) throw new X509Error("x509_malformed", "empty OID");
  const parts: number[] = [];
  let acc = 0;
  for (let i = 0; i < v.length; i++) {
    const b = v[i] as number;
    if (acc === 0 && b === 0x80) throw new X509Error("x509_malformed", "non-minimal OID arc");
    acc = acc * 128 + (b & 0x7f);
    if (acc > Number.MAX_SAFE_INTEGER / 128) throw new X509Error("x509_malformed", "OID arc too large");
    if ((b & 0x80) === 0) {
      parts.push(acc);
      acc = 0;
    } else if (i === v.length - 1) {
      throw new X509Error("x509_malformed", "truncated OID");
    }
  }
  const first = parts[0] as number;
  const head = first < 40 ? [0, first] : first < 80 ? [1, first - 40] : [2, first - 80];
  return [...head, ...parts.slice(1)].join(".");
}

export function decodeBoolean(tlv: Tlv): boolean {
  if (tlv.value.length !== 1) throw new X509Error("x509_malformed", "BOOLEAN of wrong length");
  const b = tlv.value[0];
  if (b === 0x00) return false;
  if (b === 0xff) return true;
  throw new X509Error("x509_malformed", "BOOLEAN not DER-encoded");
}

/** Checks minimal INTEGER encoding and returns the content octets. */
export function integerBytes(tlv: Tlv): Uint8Array {
  const v = tlv.value;
  if (v.length === 0) throw new X509Error("x509_malformed", "empty INTEGER");
  if (
    v.length > 1 &&
    ((v[0] === 0x00 && ((v[1] as number) & 0x80) === 0) || (v[0] === 0xff && ((v[1] as number) & 0x80) !== 0))
  ) {
    throw new X509Error("x509_malformed", "non-minimal INTEGER");
  }
  return v;
}

/** Small non-negative INTEGER as a number. */
export function decodeSmallInt(tlv: Tlv): number {
  const v = integerBytes(tlv);
  if (((v[0] as number) & 0x80) !== 0) throw new X509Error("x509_malformed", "negative INTEGER");
  if (v.length > 6) throw new X509Error("x509_malformed", "INTEGER too large");
  let n = 0;
  for (const b of v) n = n * 256 + b;
  return n;
}

/** BIT STRING: returns the bytes (unused-bit count must be 0..7, unused bits zero). */
export function decodeBitString(tlv: Tlv): { bytes: Uint8Array; unused: number } {
  const v = tlv.value;
  if (v.length === 0) throw new X509Error("x509_malformed", "empty BIT STRING");
  const unused = v[0] as number;
  if (unused > 7 || (v.length === 1 && unused !== 0)) throw new X509Error("x509_malformed", "bad BIT STRING");
  const bytes = v.subarray(1);
  if (unused > 0 && ((bytes[bytes.length - 1] as number) & ((1 << unused) - 1)) !== 0) {
    throw new X509Error("x509_malformed", "BIT STRING unused bits not zero");
  }
  return { bytes, unused };
}

const TIME_UTC = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/;
const TIME_GEN = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/;

/** UTCTime or GeneralizedTime, in the forms RFC 5280 §4.1.2.5 requires (seconds, Zulu). */
export function decodeTime(tlv: Tlv, code: X509ErrorCode = "x509_malformed"): Date {
  const s = Buffer.from(tlv.value).toString("latin1");
  const m =
    tlv.tag === TAG.UTCTime ? TIME_UTC.exec(s) : tlv.tag === TAG.GeneralizedTime ? TIME_GEN.exec(s) : null;
  if (!m) throw new X509Error(code, `bad time "${s}"`);
  let year = Number(m[1]);
  if (tlv.tag === TAG.UTCTime) year = year >= 50 ? 1900 + year : 2000 + year;
  const [mo, d, h, mi, se] = [m[2], m[3], m[4], m[5], m[6]].map(Number) as [
    number,
    number,
    number,
    number,
    number,
  ];
  const t = Date.UTC(year, mo - 1, d, h, mi, se);
  const date = new Date(t);
  if (
    mo < 1 ||
    mo > 12 ||
    date.getUTCDate() !== d ||
    date.getUTCMonth() !== mo - 1 ||
    h > 23 ||
    mi > 59 ||
    se > 59
  ) {
    throw new X509Error(code, `bad time "${s}"`);
  }
  return date;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex");
}
