/**
 * parseBody: multipart/form-data into parsed_body as the OPA-Envoy plugin builds it (name -> list
 * of values, JSON parts parsed), and the malformed or oversized bodies it refuses.
 */
import { describe, expect, it } from "vitest";
import { parseBody } from "../../src/extauthz/body.js";
import { MULTIPART_LIMITS, mediaParams } from "../../src/extauthz/multipart.js";
import { AttributeContext_HttpRequest } from "../../src/gen/envoy/service/auth/v3/attribute_context.js";

const CT = "multipart/form-data; boundary=XyZ";

function parse(body: string | Uint8Array, contentType = CT, extra: Record<string, string> = {}) {
  const http = AttributeContext_HttpRequest.fromPartial(
    typeof body === "string" ? { body } : { rawBody: Buffer.from(body) },
  );
  return parseBody(http, { "content-type": contentType, ...extra });
}

const crlf = (lines: string[]) => lines.join("\r\n");

describe("multipart/form-data bodies", () => {
  it("maps form names to lists of values; JSON parts are parsed, others are text", () => {
    const body = crlf([
      "preamble, ignored",
      "--XyZ",
      'Content-Disposition: form-data; name="field"',
      "",
      "one",
      "--XyZ",
      'Content-Disposition: form-data; name="field"',
      "",
      "two\r\nlines",
      "--XyZ",
      'Content-Disposition: form-data; name="meta"',
      "Content-Type: application/json; charset=utf-8",
      "",
      '{"a": [1, 2]}',
      "--XyZ",
      'Content-Disposition: form-data; name="file"; filename="a.txt"',
      "Content-Type: text/plain",
      "",
      "",
      "--XyZ",
      "Content-Disposition: attachment; name=ignored",
      "",
      "not form-data",
      "--XyZ",
      "",
      "no headers at all",
      "--XyZ--",
      "epilogue, ignored",
    ]);
    const out = parse(body);
    expect(out.problem).toBeUndefined();
    expect(out.value).toEqual({ field: ["one", "two\r\nlines"], meta: [{ a: [1, 2] }], file: [""] });
  });

  it("reads raw_body bytes; invalid UTF-8 in a part becomes U+FFFD, not a rejection", () => {
    const head = Buffer.from(crlf(["--XyZ", 'Content-Disposition: form-data; name="bin"', "", ""]));
    const tail = Buffer.from("\r\n--XyZ--\r\n");
    const out = parse(Buffer.concat([head, Buffer.from([0x61, 0xff, 0x62]), tail]));
    expect(out.value).toEqual({ bin: ["a\ufffdb"] });
  });

  it("accepts LF-only line breaks, a quoted boundary, padding after delimiters and RFC 5987 names", () => {
    const body = [
      "--a b ",
      "Content-Disposition: form-data; name*=utf-8''na%C3%AFve; name=plain",
      "",
      "v",
      "--a b--",
    ].join("\n");
    expect(parse(body, 'multipart/form-data; boundary="a b"').value).toEqual({ "na\u00efve": ["v"] });
  });

  it("does not take a longer boundary-like line for a delimiter", () => {
    const body = crlf([
      "--XyZ",
      'Content-Disposition: form-data; name="a"',
      "",
      "--XyZW not a delimiter",
      "--XyZ--",
    ]);
    expect(parse(body).value).toEqual({ a: ["--XyZW not a delimiter"] });
  });

  it("takes a boundary line followed by other text for content, not a delimiter", () => {
    // Only the close delimiter is a delimiter here: no parts, as Go's multipart reader sees it.
    expect(parse("--XyZ junk\r\n\r\nx\r\n--XyZ--").value).toEqual({});
    const cut = crlf(["--XyZ", "Content-Disposition: form-data; name=a", "", "x", "--XyZ junk"]);
    expect(parse(cut).problem?.message).toMatch(/before its close delimiter/);
  });

  it("leaves a truncated multipart body unparsed", () => {
    const out = parse("--XyZ\r\n", CT, { "x-envoy-auth-partial-body": "true" });
    expect(out).toEqual({ truncated: true });
  });

  it("keeps names like __proto__ as plain keys", () => {
    const body = crlf(["--XyZ", 'Content-Disposition: form-data; name="__proto__"', "", "x", "--XyZ--"]);
    const value = parse(body).value as Record<string, unknown>;
    expect(Object.keys(value)).toEqual(["__proto__"]);
    expect(Object.getOwnPropertyDescriptor(value, "__proto__")?.value).toEqual(["x"]);
  });

  const part = (name: string, content: string) =>
    crlf(["--XyZ", `Content-Disposition: form-data; name="${name}"`, "", content]);
  const deepJson = `${"[".repeat(MULTIPART_LIMITS.jsonDepth + 1)}${"]".repeat(MULTIPART_LIMITS.jsonDepth + 1)}`;
  const REJECTED: [string, string, string, RegExp][] = [
    ["no boundary parameter", `${part("a", "x")}\r\n--XyZ--`, "multipart/form-data", /without a boundary/],
    [
      "a boundary with bad characters",
      "--a\u0001\r\n",
      "multipart/form-data; boundary=a\u0001",
      /invalid multipart boundary/,
    ],
    [
      "a boundary over 70 characters",
      "x",
      `multipart/form-data; boundary=${"b".repeat(71)}`,
      /invalid multipart boundary/,
    ],
    ["an unterminated quoted parameter", "x", 'multipart/form-data; boundary="XyZ', /unterminated/],
    ["a repeated boundary parameter", "x", "multipart/form-data; boundary=a; boundary=b", /repeated/],
    ["a body without the boundary", "just text", CT, /without its boundary/],
    ["a missing close delimiter", part("a", "x"), CT, /before its close delimiter/],
    ["unterminated part headers", "--XyZ\r\nContent-Disposition: form-data; name=a", CT, /not terminated/],
    [
      "a header line without a colon",
      crlf(["--XyZ", "not a header", "", "x", "--XyZ--"]),
      CT,
      /malformed multipart part header/,
    ],
    [
      "a folded header",
      crlf(["--XyZ", "Content-Disposition: form-data;", ' name="a"', "", "x", "--XyZ--"]),
      CT,
      /folded/,
    ],
    [
      "a repeated Content-Disposition",
      crlf([
        "--XyZ",
        "Content-Disposition: form-data; name=a",
        "Content-Disposition: form-data; name=b",
        "",
        "x",
        "--XyZ--",
      ]),
      CT,
      /repeated Content-Disposition/,
    ],
    [
      "a JSON part that does not parse",
      crlf([
        "--XyZ",
        "Content-Disposition: form-data; name=j",
        "Content-Type: application/json",
        "",
        "{",
        "--XyZ--",
      ]),
      CT,
      /not valid JSON/,
    ],
    [
      "a JSON part nested too deeply",
      crlf([
        "--XyZ",
        "Content-Disposition: form-data; name=j",
        "Content-Type: application/json",
        "",
        deepJson,
        "--XyZ--",
      ]),
      CT,
      /nested too deeply/,
    ],
    [
      "too many parts",
      `${part("a", "x")
        .concat("\r\n")
        .repeat(MULTIPART_LIMITS.parts + 1)}--XyZ--`,
      CT,
      /too many multipart parts/,
    ],
    [
      "too many header lines",
      crlf([
        "--XyZ",
        ...Array.from({ length: MULTIPART_LIMITS.headerLines + 1 }, (_, i) => `X-H${i}: v`),
        "",
        "x",
        "--XyZ--",
      ]),
      CT,
      /too many multipart part headers/,
    ],
    [
      "a header block over the limit",
      crlf(["--XyZ", `X-Big: ${"v".repeat(MULTIPART_LIMITS.headerBytes)}`, "", "x", "--XyZ--"]),
      CT,
      /headers too large/,
    ],
    [
      "an extended name that is not UTF-8",
      crlf(["--XyZ", "Content-Disposition: form-data; name*=utf-8''%FF", "", "x", "--XyZ--"]),
      CT,
      /not UTF-8/,
    ],
  ];
  it.each(REJECTED)("refuses %s with body_invalid_multipart", (_name, body, contentType, message) => {
    const out = parse(body, contentType);
    expect(out.value).toBeUndefined();
    expect(out.problem?.code).toBe("body_invalid_multipart");
    expect(out.problem?.message).toMatch(message);
  });

  it("refuses a body over the byte limit before reading it", () => {
    const out = parse(new Uint8Array(MULTIPART_LIMITS.bodyBytes + 1));
    expect(out.problem?.message).toMatch(/too large/);
  });
});

describe("mediaParams", () => {
  it("reads tokens and quoted strings with escapes; names are case-insensitive", () => {
    const p = mediaParams('form-data; NAME="a \\"b\\""; filename=c.txt;');
    expect(Object.fromEntries(p)).toEqual({ name: 'a "b"', filename: "c.txt" });
  });
});
