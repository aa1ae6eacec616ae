/**
 * multipart/form-data bodies (RFC 7578 on RFC 2046's framing) into parsed_body as the OPA-Envoy
 * plugin builds it: an object from each part's form name to the list of its values, in order; a
 * part whose Content-Type contains application/json is parsed as JSON, any other part is its
 * content as text (invalid UTF-8 replaced by U+FFFD, as Go's JSON encoding does). Parts that are
 * not `form-data` with a name are skipped. A part is never parsed as a nested multipart body.
 *
 * Fail closed: anything malformed (no boundary, missing delimiter or close delimiter, bad part
 * headers, a JSON part that does not parse) or beyond the limits below is a MultipartError, which
 * the caller turns into a denial. Unlike the plugin, which leaves a body without a boundary
 * unparsed, such a body is refused: it cannot be multipart.
 */

export const MULTIPART_LIMITS = {
  /** Body bytes parsed (the proxy's own buffering limit normally stops well before). */
  bodyBytes: 8 * 1024 * 1024,
  /** Parts, named or not. */
  parts: 256,
  /** Bytes of one part's header block. */
  headerBytes: 8 * 1024,
  /** Header lines of one part. */
  headerLines: 32,
  /** Nesting depth of a JSON part's value. */
  jsonDepth: 64,
} as const;

export class MultipartError extends Error {
  override readonly name = "MultipartError";
}

const BCHARS = /^[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]$/;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const utf8 = new TextDecoder("utf-8");

/** The boundary parameter of a multipart Content-Type (RFC 2046 section 5.1.1). */
export function boundaryOf(contentType: string): string {
  const params = mediaParams(contentType);
  const boundary = params.get("boundary");
  if (boundary === undefined) throw new MultipartError("multipart body without a boundary parameter");
  if (!BCHARS.test(boundary)) throw new MultipartError("invalid multipart boundary");
  return boundary;
}

/** Parses the body; returns name -> values. Throws MultipartError. */
export function parseMultipart(body: Uint8Array, boundary: string): Record<string, unknown[]> {
  if (body.length > MULTIPART_LIMITS.bodyBytes) throw new MultipartError("multipart body too large");
  const buf = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const dash = Buffer.from(`--${boundary}`, "latin1");
  const out = Object.create(null) as Record<string, unknown[]>;

  // First delimiter: at the start of the body or of a line (a preamble is ignored).
  const at = findDelimiter(buf, dash, 0, true);
  if (at < 0) throw new MultipartError("multipart body without its boundary");
  let pos = at + dash.length;
  let parts = 0;
  for (;;) {
    if (buf[pos] === 0x2d && buf[pos + 1] === 0x2d) return out; // close delimiter; epilogue ignored
    pos = endOfDelimiterLine(buf, pos);
    if (++parts > MULTIPART_LIMITS.parts) throw new MultipartError("too many multipart parts");
    const headersEnd = findHeadersEnd(buf, pos);
    const headers = partHeaders(buf.subarray(pos, headersEnd.start));
    // The part's content runs to the next delimiter, which starts a line.
    const next = findDelimiter(buf, dash, headersEnd.end, false);
    if (next < 0) throw new MultipartError("multipart body ends before its close delimiter");
    const contentEnd = buf[next - 2] === 0x0d ? next - 2 : next - 1;
    const content = buf.subarray(headersEnd.end, Math.max(headersEnd.end, contentEnd));
    addPart(out, headers, content);
    pos = next + dash.length;
  }
}

/** After `--boundary`: optional transport padding (spaces, tabs), then the line break. */
function endOfDelimiterLine(buf: Buffer, pos: number): number {
  let p = pos;
  while (buf[p] === 0x20 || buf[p] === 0x09) p++;
  if (buf[p] === 0x0d && buf[p + 1] === 0x0a) return p + 2;
  if (buf[p] === 0x0a) return p + 1;
  throw new MultipartError("malformed multipart delimiter line");
}

/** The blank line ending a part's headers (CRLF CRLF, or LF LF): where it starts and ends. */
function findHeadersEnd(buf: Buffer, pos: number): { start: number; end: number } {
  // A part may have no headers at all: its header block is then just the blank line.
  if (buf[pos] === 0x0d && buf[pos + 1] === 0x0a) return { start: pos, end: pos + 2 };
  if (buf[pos] === 0x0a) return { start: pos, end: pos + 1 };
  const limit = Math.min(buf.length, pos + MULTIPART_LIMITS.headerBytes);
  for (let i = pos; i < limit; i++) {
    if (buf[i] !== 0x0a) continue;
    if (buf[i + 1] === 0x0a) return { start: i + 1, end: i + 2 };
    if (buf[i + 1] === 0x0d && buf[i + 2] === 0x0a) return { start: i + 1, end: i + 3 };
  }
  if (limit - pos >= MULTIPART_LIMITS.headerBytes)
    throw new MultipartError("multipart part headers too large");
  throw new MultipartError("multipart part headers not terminated");
}

/**
 * The next `--boundary` that starts a line at or after `from` and is a delimiter (followed by
 * `--`, or by optional padding and a line break). A part's content ends with the line break
 * before it, so for a part (`atStart` false) that line break must lie inside the content.
 */
function findDelimiter(buf: Buffer, dash: Buffer, from: number, atStart: boolean): number {
  for (let at = buf.indexOf(dash, from); at >= 0; at = buf.indexOf(dash, at + 1)) {
    const lineStart = atStart ? at === 0 || buf[at - 1] === 0x0a : at >= from + 1 && buf[at - 1] === 0x0a;
    if (lineStart && isDelimiterEnd(buf, at + dash.length)) return at;
  }
  return -1;
}

function isDelimiterEnd(buf: Buffer, pos: number): boolean {
  if (buf[pos] === 0x2d && buf[pos + 1] === 0x2d) return true;
  let p = pos;
  while (buf[p] === 0x20 || buf[p] === 0x09) p++;
  return buf[p] === 0x0a || (buf[p] === 0x0d && buf[p + 1] === 0x0a);
}

/** Header lines (name: value), names lower-cased. Obsolete line folding is refused. */
function partHeaders(block: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  const text = block.toString("latin1");
  const lines = text.split(/\r?\n/).filter((l) => l !== "");
  if (lines.length > MULTIPART_LIMITS.headerLines)
    throw new MultipartError("too many multipart part headers");
  for (const line of lines) {
    if (line.startsWith(" ") || line.startsWith("\t"))
      throw new MultipartError("folded multipart part header");
    const colon = line.indexOf(":");
    const name = colon > 0 ? line.slice(0, colon).toLowerCase() : "";
    if (!TOKEN.test(name)) throw new MultipartError("malformed multipart part header");
    if (out.has(name) && name === "content-disposition")
      throw new MultipartError("repeated Content-Disposition");
    // Header values are bytes; UTF-8 names in quoted strings are common (browsers send them).
    out.set(name, utf8.decode(Buffer.from(line.slice(colon + 1).trim(), "latin1")));
  }
  return out;
}

function addPart(out: Record<string, unknown[]>, headers: Map<string, string>, content: Buffer): void {
  const disposition = headers.get("content-disposition");
  if (disposition === undefined) return;
  const type = disposition.split(";")[0]?.trim().toLowerCase();
  if (type !== "form-data") return;
  const name = mediaParams(disposition).get("name");
  if (name === undefined || name === "") return;
  const contentType = (headers.get("content-type") ?? "").toLowerCase();
  let value: unknown = utf8.decode(content);
  if (contentType.includes("application/json")) value = jsonPart(value as string, name);
  if (!Object.hasOwn(out, name)) out[name] = [];
  out[name]?.push(value);
}

function jsonPart(text: string, name: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new MultipartError(`multipart part ${JSON.stringify(name)} is not valid JSON`);
  }
  if (depthOver(value, MULTIPART_LIMITS.jsonDepth))
    throw new MultipartError(`multipart part ${JSON.stringify(name)} nested too deeply`);
  return value;
}

/** True when v nests arrays/objects deeper than max (iterative). */
function depthOver(v: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[v, 0]];
  while (stack.length > 0) {
    const [x, d] = stack.pop() as [unknown, number];
    if (typeof x !== "object" || x === null) continue;
    if (d >= max) return true;
    for (const c of Object.values(x)) stack.push([c, d + 1]);
  }
  return false;
}

/**
 * Parameters of a header value such as `form-data; name="a"` or `multipart/form-data;
 * boundary=x` (RFC 2045 / RFC 7578): token or quoted-string values, names lower-cased,
 * `name*=utf-8''percent-encoded` (RFC 5987) decoded. A repeated or malformed parameter throws.
 */
export function mediaParams(value: string): Map<string, string> {
  const out = new Map<string, string>();
  const extended = new Set<string>();
  let i = value.indexOf(";");
  if (i < 0) return out;
  const n = value.length;
  while (i < n) {
    if (value[i] !== ";") throw new MultipartError("malformed header parameters");
    i++;
    while (value[i] === " " || value[i] === "\t") i++;
    if (i >= n) break; // a trailing ";"
    const eq = value.indexOf("=", i);
    if (eq < 0) throw new MultipartError("malformed header parameter");
    const name = value.slice(i, eq).trim().toLowerCase();
    if (!TOKEN.test(name)) throw new MultipartError("malformed header parameter name");
    i = eq + 1;
    let v: string;
    if (value[i] === '"') {
      v = "";
      i++;
      for (;;) {
        if (i >= n) throw new MultipartError("unterminated quoted header parameter");
        const c = value[i] as string;
        if (c === '"') break;
        if (c === "\\" && i + 1 < n) {
          v += value[i + 1];
          i += 2;
        } else {
          v += c;
          i++;
        }
      }
      i++;
    } else {
      const end = value.indexOf(";", i);
      v = (end < 0 ? value.slice(i) : value.slice(i, end)).trim();
      i = end < 0 ? n : end;
    }
    while (value[i] === " " || value[i] === "\t") i++;
    if (name.endsWith("*")) {
      // The extended form (RFC 5987) wins over the plain one.
      const base = name.slice(0, -1);
      if (extended.has(base)) throw new MultipartError(`repeated header parameter ${name}`);
      extended.add(base);
      out.set(base, extValue(v));
      continue;
    }
    if (extended.has(name)) continue;
    if (out.has(name)) throw new MultipartError(`repeated header parameter ${name}`);
    out.set(name, v);
  }
  return out;
}

/** RFC 5987 ext-value: charset'language'percent-encoded (UTF-8 or ISO-8859-1). */
function extValue(v: string): string {
  const m = /^([A-Za-z0-9!#$&+\-^_`{}~]+)'[^']*'(.*)$/.exec(v);
  if (!m) throw new MultipartError("malformed extended header parameter");
  const charset = (m[1] as string).toLowerCase();
  const bytes: number[] = [];
  const s = m[2] as string;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === "%") {
      const h = s.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(h)) throw new MultipartError("malformed extended header parameter");
      bytes.push(Number.parseInt(h, 16));
      i += 2;
    } else {
      bytes.push(s.charCodeAt(i) & 0xff);
    }
  }
  if (charset === "utf-8") {
    try {
      return new TextDecoder("utf-8", { fatal: true }).decode(Uint8Array.from(bytes));
    } catch {
      throw new MultipartError("extended header parameter is not UTF-8");
    }
  }
  if (charset === "iso-8859-1") return Buffer.from(bytes).toString("latin1");
  throw new MultipartError(`unsupported charset ${charset} in a header parameter`);
}
