/**
 * Structured Field Values for HTTP (RFC 8941): the subset Signature-Input, Signature and
 * Content-Digest need (RFC 9421 §4.1-4.2, RFC 9530 §2): Dictionaries whose members are Items or
 * Inner Lists, with Parameters; bare items Integer, Decimal, String, Token, Byte Sequence, Boolean.
 *
 * Parsing follows RFC 8941 §4.2 with two deliberate strictnesses, both fail-closed:
 * - a duplicate dictionary key or parameter key is an error (RFC 8941 would let the last one win;
 *   RFC 9421 §4 requires unique signature labels, and a repeated `tag` or `created` could make two
 *   readers disagree about which signature or window applies);
 * - inputs, member counts, inner-list sizes, parameter counts, strings and byte sequences are
 *   bounded (SF_LIMITS), so a hostile header costs bounded work.
 * RFC 9651 additions (Date, Display String) are not accepted.
 *
 * Nothing here throws to its caller: every parse returns SfResult.
 */

export type BareItem =
  | { readonly type: "integer"; readonly value: number }
  | { readonly type: "decimal"; readonly value: number }
  | { readonly type: "string"; readonly value: string }
  | { readonly type: "token"; readonly value: string }
  | { readonly type: "bytes"; readonly value: Uint8Array }
  | { readonly type: "boolean"; readonly value: boolean };

/** Parameters, in their received order (Map preserves insertion order). */
export type Params = ReadonlyMap<string, BareItem>;

export interface SfItem {
  readonly kind: "item";
  readonly value: BareItem;
  readonly params: Params;
}

export interface SfInnerList {
  readonly kind: "inner-list";
  readonly items: readonly SfItem[];
  readonly params: Params;
}

export type SfMember = SfItem | SfInnerList;

/** A Dictionary, members in their received order. */
export type SfDictionary = ReadonlyMap<string, SfMember>;

export type SfResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: string };

export const SF_LIMITS = {
  /** Whole field value, characters. */
  maxFieldLength: 16_384,
  maxDictionaryMembers: 32,
  maxInnerListItems: 64,
  maxParams: 32,
  maxKeyLength: 64,
  /** Characters of a String or Token once parsed. */
  maxStringLength: 2048,
  /** Base64 characters of a Byte Sequence (4096 covers an RSA-16384 signature twice over). */
  maxBytesChars: 4096,
} as const;

class SfError extends Error {}

// Sticky (/y) patterns match a whole run at the parser's position.
const KEY = /[a-z*][a-z0-9_\-.*]*/y;
/** Token: ALPHA or "*", then tchar (RFC 9110 §5.6.2), ":" or "/" (RFC 8941 §3.3.4). */
const TOKEN = /[A-Za-z*][!#$%&'*+\-.^_`|~0-9A-Za-z:/]*/y;
/** A run of String characters other than DQUOTE and backslash (RFC 8941 §3.3.3). */
const STRING_RUN = /[\x20\x21\x23-\x5b\x5d-\x7e]*/y;
const NUMBER = /-?([0-9]*)(?:\.([0-9]*))?/y;
const DIGIT_OR_MINUS = /[-0-9]/;
const TOKEN_START = /[A-Za-z*]/;
const BASE64_BODY = /^[A-Za-z0-9+/]*={0,2}$/;

class Parser {
  private pos = 0;
  constructor(private readonly input: string) {}

  private peek(): string {
    return this.input[this.pos] ?? "";
  }

  private eof(): boolean {
    return this.pos >= this.input.length;
  }

  private fail(what: string): never {
    throw new SfError(`${what} at offset ${this.pos}`);
  }

  private skipSP(): void {
    while (this.peek() === " ") this.pos++;
  }

  private skipOWS(): void {
    while (this.peek() === " " || this.peek() === "\t") this.pos++;
  }

  /** RFC 8941 §4.2: strip leading and trailing SP, parse, then nothing may remain. */
  top<T>(parse: () => T): T {
    this.skipSP();
    const value = parse();
    this.skipSP();
    if (!this.eof()) this.fail("unexpected trailing characters");
    return value;
  }

  dictionary(): Map<string, SfMember> {
    const dict = new Map<string, SfMember>();
    while (!this.eof()) {
      const key = this.key();
      if (dict.has(key)) this.fail(`duplicate dictionary key "${key}"`);
      let member: SfMember;
      if (this.peek() === "=") {
        this.pos++;
        member = this.itemOrInnerList();
      } else {
        member = { kind: "item", value: { type: "boolean", value: true }, params: this.params() };
      }
      dict.set(key, member);
      if (dict.size > SF_LIMITS.maxDictionaryMembers) this.fail("too many dictionary members");
      this.skipOWS();
      if (this.eof()) return dict;
      if (this.peek() !== ",") this.fail('expected ","');
      this.pos++;
      this.skipOWS();
      if (this.eof()) this.fail("trailing comma");
    }
    return dict;
  }

  private itemOrInnerList(): SfMember {
    return this.peek() === "(" ? this.innerList() : this.item();
  }

  private innerList(): SfInnerList {
    this.pos++; // "("
    const items: SfItem[] = [];
    for (;;) {
      this.skipSP();
      if (this.peek() === ")") {
        this.pos++;
        return { kind: "inner-list", items, params: this.params() };
      }
      if (this.eof()) this.fail("unterminated inner list");
      items.push(this.item());
      if (items.length > SF_LIMITS.maxInnerListItems) this.fail("too many inner-list items");
      const c = this.peek();
      if (c !== " " && c !== ")") this.fail('expected SP or ")" in inner list');
    }
  }

  private item(): SfItem {
    const value = this.bareItem();
    return { kind: "item", value, params: this.params() };
  }

  private params(): Map<string, BareItem> {
    const params = new Map<string, BareItem>();
    while (this.peek() === ";") {
      this.pos++;
      this.skipSP();
      const key = this.key();
      if (params.has(key)) this.fail(`duplicate parameter "${key}"`);
      let value: BareItem = { type: "boolean", value: true };
      if (this.peek() === "=") {
        this.pos++;
        value = this.bareItem();
      }
      params.set(key, value);
      if (params.size > SF_LIMITS.maxParams) this.fail("too many parameters");
    }
    return params;
  }

  /** Matches a sticky pattern at the current position and consumes it ("" when it does not match). */
  private run(pattern: RegExp): string {
    pattern.lastIndex = this.pos;
    const m = pattern.exec(this.input);
    const text = m ? m[0] : "";
    this.pos += text.length;
    return text;
  }

  private key(): string {
    const key = this.run(KEY);
    if (key === "") this.fail("expected a key");
    if (key.length > SF_LIMITS.maxKeyLength) this.fail("key too long");
    return key;
  }

  private bareItem(): BareItem {
    const c = this.peek();
    if (DIGIT_OR_MINUS.test(c)) return this.number();
    if (c === '"') return this.string();
    if (c === ":") return this.bytes();
    if (c === "?") return this.boolean();
    if (TOKEN_START.test(c)) return this.token();
    return this.fail("expected a bare item");
  }

  /** RFC 8941 §4.2.4: at most 15 integer digits; a decimal has 1-12 + "." + 1-3 digits. */
  private number(): BareItem {
    NUMBER.lastIndex = this.pos;
    const m = NUMBER.exec(this.input);
    const whole = m?.[1] ?? "";
    const fraction = m?.[2];
    if (whole === "") this.fail("expected a digit");
    const sign = this.peek() === "-" ? -1 : 1;
    if (fraction === undefined) {
      if (whole.length > 15) this.fail("integer too long");
      this.pos += m![0].length;
      return { type: "integer", value: sign * Number.parseInt(whole, 10) };
    }
    if (whole.length > 12) this.fail("decimal integer part too long");
    if (fraction === "") this.fail("decimal without fraction");
    if (fraction.length > 3) this.fail("decimal fraction too long");
    this.pos += m![0].length;
    return { type: "decimal", value: sign * Number.parseFloat(`${whole}.${fraction}`) };
  }

  private string(): BareItem {
    this.pos++; // opening DQUOTE
    let out = "";
    for (;;) {
      out += this.run(STRING_RUN);
      if (out.length > SF_LIMITS.maxStringLength) this.fail("string too long");
      if (this.eof()) this.fail("unterminated string");
      const c = this.input[this.pos++];
      if (c === '"') return { type: "string", value: out };
      if (c !== "\\") this.fail("invalid character in string");
      const next = this.input[this.pos++];
      if (next !== '"' && next !== "\\") this.fail("bad escape in string");
      out += next;
    }
  }

  private token(): BareItem {
    const token = this.run(TOKEN);
    if (token.length > SF_LIMITS.maxStringLength) this.fail("token too long");
    return { type: "token", value: token };
  }

  private bytes(): BareItem {
    this.pos++; // opening ":"
    const end = this.input.indexOf(":", this.pos);
    if (end < 0) this.fail("unterminated byte sequence");
    const b64 = this.input.slice(this.pos, end);
    if (b64.length > SF_LIMITS.maxBytesChars) this.fail("byte sequence too long");
    if (!BASE64_BODY.test(b64)) this.fail("invalid base64 in byte sequence");
    // RFC 8941 §4.2.7: parsers SHOULD NOT fail when "=" padding is absent; a lone trailing
    // sextet (length % 4 == 1) cannot encode whole bytes and is refused.
    const unpadded = b64.replace(/=+$/, "");
    if (unpadded.length % 4 === 1) this.fail("invalid base64 length");
    if (b64.includes("=") && b64.length % 4 !== 0) this.fail("invalid base64 padding");
    const bytes = Buffer.from(unpadded, "base64");
    // Non-zero pad bits (RFC 4648 §3.5) would let two encodings carry the same bytes: refused.
    if (bytes.toString("base64").replace(/=+$/, "") !== unpadded) this.fail("non-canonical base64");
    this.pos = end + 1;
    return { type: "bytes", value: new Uint8Array(bytes) };
  }

  private boolean(): BareItem {
    this.pos++; // "?"
    const c = this.peek();
    if (c !== "0" && c !== "1") this.fail("invalid boolean");
    this.pos++;
    return { type: "boolean", value: c === "1" };
  }
}

function run<T>(input: unknown, parse: (p: Parser) => T): SfResult<T> {
  if (typeof input !== "string") return { ok: false, error: "field value is not a string" };
  if (input.length > SF_LIMITS.maxFieldLength) return { ok: false, error: "field value too long" };
  try {
    const p = new Parser(input);
    return { ok: true, value: p.top(() => parse(p)) };
  } catch (e) {
    if (e instanceof SfError) return { ok: false, error: e.message };
    return { ok: false, error: "unparseable field value" };
  }
}

/** Parses a Dictionary field value (RFC 8941 §4.2.2). An empty value is an empty dictionary. */
export function parseDictionary(input: unknown): SfResult<SfDictionary> {
  return run(input, (p) => p.dictionary());
}

// --- serialization (RFC 8941 §4.1), used for @signature-params and by the signer ---------------

export function serializeBareItem(item: BareItem): string {
  switch (item.type) {
    case "integer":
      if (!Number.isInteger(item.value) || Math.abs(item.value) > 999_999_999_999_999) {
        throw new RangeError("integer out of range");
      }
      return String(item.value);
    case "decimal": {
      const rounded = Math.round(item.value * 1000) / 1000;
      if (Math.abs(Math.trunc(rounded)) > 999_999_999_999) throw new RangeError("decimal out of range");
      const s = rounded.toString();
      return s.includes(".") ? s : `${s}.0`;
    }
    case "string":
      for (const ch of item.value) {
        const code = ch.charCodeAt(0);
        if (code < 0x20 || code > 0x7e) throw new RangeError("string holds a non-printable character");
      }
      return `"${item.value.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
    case "token":
      if (!/^[A-Za-z*][!#$%&'*+\-.^_`|~0-9A-Za-z:/]*$/.test(item.value))
        throw new RangeError("invalid token");
      return item.value;
    case "bytes":
      return `:${Buffer.from(item.value).toString("base64")}:`;
    case "boolean":
      return item.value ? "?1" : "?0";
  }
}

function serializeKey(key: string): string {
  if (!/^[a-z*][a-z0-9_\-.*]*$/.test(key)) throw new RangeError(`invalid key "${key}"`);
  return key;
}

export function serializeParams(params: Params): string {
  let out = "";
  for (const [key, value] of params) {
    out += `;${serializeKey(key)}`;
    if (!(value.type === "boolean" && value.value)) out += `=${serializeBareItem(value)}`;
  }
  return out;
}

export function serializeItem(item: SfItem): string {
  return serializeBareItem(item.value) + serializeParams(item.params);
}

export function serializeInnerList(list: SfInnerList): string {
  return `(${list.items.map(serializeItem).join(" ")})${serializeParams(list.params)}`;
}

export function serializeDictionary(dict: SfDictionary): string {
  const members: string[] = [];
  for (const [key, member] of dict) {
    if (member.kind === "item" && member.value.type === "boolean" && member.value.value) {
      members.push(serializeKey(key) + serializeParams(member.params));
    } else {
      const value = member.kind === "inner-list" ? serializeInnerList(member) : serializeItem(member);
      members.push(`${serializeKey(key)}=${value}`);
    }
  }
  return members.join(", ");
}

// --- small constructors ------------------------------------------------------------------------

export const sf = {
  integer: (value: number): BareItem => ({ type: "integer", value }),
  string: (value: string): BareItem => ({ type: "string", value }),
  token: (value: string): BareItem => ({ type: "token", value }),
  bytes: (value: Uint8Array): BareItem => ({ type: "bytes", value }),
  boolean: (value: boolean): BareItem => ({ type: "boolean", value }),
  item: (value: BareItem, params: Params = new Map()): SfItem => ({ kind: "item", value, params }),
};
