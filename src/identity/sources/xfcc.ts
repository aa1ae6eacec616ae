/**
 * Parser for Envoy's x-forwarded-client-cert (XFCC) header.
 *
 * Grammar (Envoy docs, "x-forwarded-client-cert"):
 *   header  = element *( "," element )            ; one element per proxy hop, appended at the end
 *   element = pair *( ";" pair )
 *   pair    = key "=" value                       ; keys case-insensitive, values case-sensitive
 *   value   = token / quoted                      ; quoted when it contains "," ";" or "="
 *   quoted  = DQUOTE *( qchar / "\" DQUOTE ) DQUOTE
 * Keys: By, Hash, Cert, Chain, Subject, URI, DNS. By, URI and DNS may repeat (Envoy writes one pair
 * per URI SAN of its own certificate, per URI SAN and per DNS SAN of the client); the others may not.
 *
 * Strict: anything else is a parse error with a stable code; this function never throws.
 * Optional whitespace (SP / HTAB) is tolerated around "," and ";" only.
 */

export type XfccErrorCode =
  | "xfcc_too_large"
  | "xfcc_too_many_elements"
  | "xfcc_too_many_pairs"
  | "xfcc_empty_element"
  | "xfcc_empty_pair"
  | "xfcc_missing_equals"
  | "xfcc_bad_key"
  | "xfcc_unknown_key"
  | "xfcc_duplicate_key"
  | "xfcc_unbalanced_quote"
  | "xfcc_junk_after_quote"
  | "xfcc_bad_value"
  | "xfcc_bad_char"
  | "xfcc_bad_hash";

export interface XfccElement {
  /** URI SANs of the proxy that added this element. */
  by: string[];
  /** Lower-case hex SHA-256 of the client certificate DER. */
  hash?: string;
  /** URL-encoded PEM of the client certificate (still encoded). */
  cert?: string;
  /** URL-encoded PEM chain, leaf first (still encoded). */
  chain?: string;
  subject?: string;
  uri: string[];
  dns: string[];
}

export type XfccParseResult =
  | { ok: true; elements: XfccElement[] }
  | { ok: false; code: XfccErrorCode; message: string; offset: number };

export interface XfccLimits {
  /** Maximum header length in bytes (UTF-16 code units). Default 65536. */
  maxBytes?: number;
  /** Maximum number of elements (proxy hops). Default 32. */
  maxElements?: number;
  /** Maximum key=value pairs in one element. Default 64. */
  maxPairs?: number;
}

export const XFCC_DEFAULT_LIMITS: Required<XfccLimits> = { maxBytes: 65536, maxElements: 32, maxPairs: 64 };

type Key = "by" | "hash" | "cert" | "chain" | "subject" | "uri" | "dns";
const KEYS: ReadonlySet<string> = new Set(["by", "hash", "cert", "chain", "subject", "uri", "dns"]);
const REPEATABLE: ReadonlySet<Key> = new Set<Key>(["by", "uri", "dns"]);
const HEX64 = /^[0-9a-fA-F]{64}$/;

class XfccError {
  constructor(
    readonly code: XfccErrorCode,
    readonly message: string,
    readonly offset: number,
  ) {}
}

function isOws(c: number): boolean {
  return c === 0x20 || c === 0x09;
}

function isKeyChar(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

/** Control characters other than HTAB, and DEL, are never allowed. */
function isBadChar(c: number): boolean {
  return (c < 0x20 && c !== 0x09) || c === 0x7f;
}

class Parser {
  pos = 0;
  constructor(
    readonly s: string,
    readonly limits: Required<XfccLimits>,
  ) {}

  fail(code: XfccErrorCode, message: string, at = this.pos): never {
    throw new XfccError(code, message, at);
  }

  skipOws(): void {
    while (this.pos < this.s.length && isOws(this.s.charCodeAt(this.pos))) this.pos++;
  }

  parse(): XfccElement[] {
    const elements: XfccElement[] = [];
    for (;;) {
      this.skipOws();
      if (elements.length >= this.limits.maxElements) {
        this.fail("xfcc_too_many_elements", `more than ${this.limits.maxElements} elements`);
      }
      elements.push(this.element());
      if (this.pos >= this.s.length) return elements;
      // element() stops only at "," or end of input.
      this.pos++;
    }
  }

  element(): XfccElement {
    const el: XfccElement = { by: [], uri: [], dns: [] };
    const seen = new Set<Key>();
    let pairs = 0;
    for (;;) {
      this.skipOws();
      const c = this.s.charCodeAt(this.pos);
      if (this.pos >= this.s.length || c === 0x2c /* , */) {
        if (pairs === 0) this.fail("xfcc_empty_element", "empty element");
        this.fail("xfcc_empty_pair", "empty key=value pair after ';'");
      }
      if (c === 0x3b /* ; */) this.fail("xfcc_empty_pair", "empty key=value pair");
      if (++pairs > this.limits.maxPairs) {
        this.fail("xfcc_too_many_pairs", `more than ${this.limits.maxPairs} pairs in one element`);
      }
      this.pair(el, seen);
      this.skipOws();
      if (this.pos >= this.s.length) return el;
      const sep = this.s.charCodeAt(this.pos);
      if (sep === 0x2c) return el;
      // pair() guarantees the next character is "," ";" or end of input.
      this.pos++;
    }
  }

  pair(el: XfccElement, seen: Set<Key>): void {
    const keyStart = this.pos;
    while (this.pos < this.s.length && isKeyChar(this.s.charCodeAt(this.pos))) this.pos++;
    const rawKey = this.s.slice(keyStart, this.pos);
    if (this.pos >= this.s.length) this.fail("xfcc_missing_equals", `key "${rawKey}" without "="`, keyStart);
    const next = this.s.charCodeAt(this.pos);
    if (next !== 0x3d /* = */) {
      if (next === 0x3b || next === 0x2c || isOws(next)) {
        this.fail("xfcc_missing_equals", `key "${rawKey}" without "="`, keyStart);
      }
      if (isBadChar(next)) this.fail("xfcc_bad_char", "control character in key");
      this.fail("xfcc_bad_key", "invalid character in key");
    }
    if (rawKey === "") this.fail("xfcc_bad_key", "empty key");
    const key = rawKey.toLowerCase();
    if (!KEYS.has(key)) this.fail("xfcc_unknown_key", `unknown key "${rawKey}"`, keyStart);
    const k = key as Key;
    if (seen.has(k) && !REPEATABLE.has(k)) {
      this.fail("xfcc_duplicate_key", `duplicate key "${rawKey}"`, keyStart);
    }
    seen.add(k);
    this.pos++; // "="
    const valueStart = this.pos;
    const value = this.s.charCodeAt(this.pos) === 0x22 /* " */ ? this.quoted() : this.token();
    this.assign(el, k, value, valueStart);
  }

  quoted(): string {
    const open = this.pos;
    this.pos++;
    let out = "";
    let chunk = this.pos;
    for (;;) {
      if (this.pos >= this.s.length) this.fail("xfcc_unbalanced_quote", "unterminated quoted value", open);
      const c = this.s.charCodeAt(this.pos);
      if (isBadChar(c)) this.fail("xfcc_bad_char", "control character in quoted value");
      if (c === 0x5c /* \ */ && this.s.charCodeAt(this.pos + 1) === 0x22) {
        out += `${this.s.slice(chunk, this.pos)}"`;
        this.pos += 2;
        chunk = this.pos;
        continue;
      }
      if (c === 0x22) {
        out += this.s.slice(chunk, this.pos);
        this.pos++;
        break;
      }
      this.pos++;
    }
    const after = this.pos;
    this.skipOws();
    if (this.pos < this.s.length) {
      const n = this.s.charCodeAt(this.pos);
      if (n !== 0x3b && n !== 0x2c) this.fail("xfcc_junk_after_quote", "text after closing quote", after);
    }
    return out;
  }

  token(): string {
    const start = this.pos;
    while (this.pos < this.s.length) {
      const c = this.s.charCodeAt(this.pos);
      if (c === 0x3b || c === 0x2c) break;
      if (isBadChar(c)) this.fail("xfcc_bad_char", "control character in value");
      if (c === 0x22) this.fail("xfcc_unbalanced_quote", "quote inside an unquoted value");
      if (c === 0x3d) this.fail("xfcc_bad_value", '"=" inside an unquoted value');
      this.pos++;
    }
    const value = this.s.slice(start, this.pos).replace(/[ \t]+$/, "");
    if (/[ \t]/.test(value)) this.fail("xfcc_bad_value", "whitespace inside an unquoted value", start);
    return value;
  }

  assign(el: XfccElement, key: Key, value: string, at: number): void {
    switch (key) {
      case "by":
        el.by.push(value);
        return;
      case "uri":
        el.uri.push(value);
        return;
      case "dns":
        el.dns.push(value);
        return;
      case "hash":
        if (!HEX64.test(value)) this.fail("xfcc_bad_hash", "Hash is not 64 hex digits", at);
        el.hash = value.toLowerCase();
        return;
      case "cert":
        el.cert = value;
        return;
      case "chain":
        el.chain = value;
        return;
      case "subject":
        el.subject = value;
        return;
    }
  }
}

/** Parses a whole XFCC header value. Never throws. */
export function parseXfcc(header: string, limits: XfccLimits = {}): XfccParseResult {
  const lim = { ...XFCC_DEFAULT_LIMITS, ...limits };
  if (header.length > lim.maxBytes) {
    return {
      ok: false,
      code: "xfcc_too_large",
      message: `header longer than ${lim.maxBytes} bytes`,
      offset: 0,
    };
  }
  try {
    return { ok: true, elements: new Parser(header, lim).parse() };
  } catch (e) {
    if (e instanceof XfccError) return { ok: false, code: e.code, message: e.message, offset: e.offset };
    return { ok: false, code: "xfcc_bad_value", message: "unexpected parser failure", offset: 0 };
  }
}

/**
 * The element the authenticator uses: the LAST one. Each proxy appends its element at the end, so
 * the last element was written by the nearest proxy, the direct peer whose identity was verified
 * by mTLS. Earlier elements were written by hops we cannot authenticate and are never trusted.
 */
export function selectXfccElement(elements: readonly XfccElement[]): XfccElement | undefined {
  return elements[elements.length - 1];
}
