import { describe, expect, it } from "vitest";
import {
  parseDictionary,
  SF_LIMITS,
  type SfInnerList,
  serializeBareItem,
  serializeDictionary,
  sf,
} from "../../../../src/identity/tokens/http-sig/structured-fields.js";

describe("RFC 8941 dictionaries: accepted", () => {
  it("parses an RFC 9421 Signature-Input and re-serializes it byte for byte", () => {
    const text =
      'sig1=("@method" "@target-uri" "@authority" "content-digest" "cache-control");created=1618884475;keyid="test-key-rsa-pss"';
    const r = parseDictionary(text);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const m = r.value.get("sig1") as SfInnerList;
    expect(m.kind).toBe("inner-list");
    expect(m.items.map((i) => i.value)).toEqual(
      ["@method", "@target-uri", "@authority", "content-digest", "cache-control"].map((v) => sf.string(v)),
    );
    expect([...m.params]).toEqual([
      ["created", sf.integer(1618884475)],
      ["keyid", sf.string("test-key-rsa-pss")],
    ]);
    expect(serializeDictionary(r.value)).toBe(text);
  });

  it("parses every bare item type the fields need", () => {
    const r = parseDictionary(
      'a=1, b=-42, c=3.5, d="q\\"uo\\\\te", e=tok/en:x, f=:AQID:, g=?0, h, i;p=1;q, j=(1 "x" y);z=?1, k=:AQI:',
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const v = (k: string) => {
      const m = r.value.get(k);
      return m?.kind === "item" ? m.value : m;
    };
    expect(v("a")).toEqual(sf.integer(1));
    expect(v("b")).toEqual(sf.integer(-42));
    expect(v("c")).toEqual({ type: "decimal", value: 3.5 });
    expect(v("d")).toEqual(sf.string('q"uo\\te'));
    expect(v("e")).toEqual(sf.token("tok/en:x"));
    expect(v("f")).toEqual(sf.bytes(new Uint8Array([1, 2, 3])));
    expect(v("g")).toEqual(sf.boolean(false));
    expect(v("h")).toEqual(sf.boolean(true));
    expect(v("k")).toEqual(sf.bytes(new Uint8Array([1, 2]))); // padding may be absent (RFC 8941 §4.2.7)
    const i = r.value.get("i");
    expect(i?.kind === "item" && [...i.params]).toEqual([
      ["p", sf.integer(1)],
      ["q", sf.boolean(true)],
    ]);
    const j = r.value.get("j") as SfInnerList;
    expect(j.items.map((x) => x.value)).toEqual([sf.integer(1), sf.string("x"), sf.token("y")]);
    expect(j.params.get("z")).toEqual(sf.boolean(true));
  });

  it("tolerates SP around the value, in inner lists and after ';', OWS around commas; empty is empty", () => {
    const r = parseDictionary('  a=1 ,\tb=( "x"  "y" );  c="d"  ');
    expect(r.ok && serializeDictionary(r.value)).toBe('a=1, b=("x" "y");c="d"');
    const e = parseDictionary("");
    expect(e.ok && e.value.size).toBe(0);
  });
});

const GARBAGE: [string, string][] = [
  ["lone comma", ","],
  ["trailing comma", "a=1,"],
  ["double comma", "a=1,,b=2"],
  ["upper-case key", "A=1"],
  ["key starting with a digit", "1a=1"],
  ["key with a bad character", "a$b=1"],
  ["missing value", "a="],
  ["unterminated inner list", 'a=("x" "y"'],
  ["inner list items not separated", 'a=("x""y")'],
  ["trailing characters", "a=1 b"],
  ["unterminated string", 'a="abc'],
  ["bad escape", 'a="a\\b"'],
  ["control character in string", 'a="a\tb"'],
  ["non-ASCII in string", 'a="é"'],
  ["non-ASCII key", "é=1"],
  ["unterminated byte sequence", "a=:AQID"],
  ["invalid base64", "a=:A*ID:"],
  ["base64 length 1 mod 4", "a=:AQIDB:"],
  ["misplaced padding", "a=:AQ=D:"],
  ["non-zero pad bits", "a=:AQJ=:"],
  ["bad boolean", "a=?2"],
  ["lone minus", "a=-"],
  ["decimal without fraction", "a=1."],
  ["decimal with 4 fraction digits", "a=1.2345"],
  ["integer of 16 digits", "a=1234567890123456"],
  ["decimal with 13 integer digits", "a=1234567890123.5"],
  ["date (RFC 9651) not accepted", "a=@1659578233"],
  ["display string (RFC 9651) not accepted", 'a=%"x"'],
  ["empty parameter key", "a=1;=2"],
  ["parameter without key", "a=1;"],
  ["duplicate dictionary key", "a=1, a=2"],
  ["duplicate parameter", 'a=1;tag="x";tag="y"'],
  ["tab inside an inner list", 'a=("x"\t"y")'],
  ["newline", "a=1\nb=2"],
  ["NUL", "a=1\u0000"],
  ["leading tab (only SP is stripped)", "\ta=1"],
  ["too long", `a="${"x".repeat(SF_LIMITS.maxFieldLength)}"`],
  ["string over the limit", `a="${"x".repeat(SF_LIMITS.maxStringLength + 1)}"`],
  [
    "too many members",
    Array.from({ length: SF_LIMITS.maxDictionaryMembers + 1 }, (_, i) => `k${i}=1`).join(", "),
  ],
  [
    "too many inner-list items",
    `a=(${Array.from({ length: SF_LIMITS.maxInnerListItems + 1 }, () => "1").join(" ")})`,
  ],
  [
    "too many parameters",
    `a=1${Array.from({ length: SF_LIMITS.maxParams + 1 }, (_, i) => `;p${i}`).join("")}`,
  ],
  ["key too long", `${"k".repeat(SF_LIMITS.maxKeyLength + 1)}=1`],
  ["nested inner list", "a=((1))"],
  ["SP before inner-list parameters", 'a=("x") ;c=1'],
];

describe("RFC 8941 dictionaries: refused", () => {
  it.each(GARBAGE)("%s", (_name, text) => {
    const r = parseDictionary(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.length).toBeGreaterThan(0);
  });

  it("non-string input is refused, not thrown", () => {
    for (const v of [undefined, null, 42, {}, ["a=1"]]) expect(parseDictionary(v).ok).toBe(false);
  });
});

describe("RFC 8941 serialization", () => {
  it("refuses what it cannot represent", () => {
    expect(() => serializeBareItem(sf.string("line\nbreak"))).toThrow(RangeError);
    expect(() => serializeBareItem(sf.integer(1e15))).toThrow(RangeError);
    expect(() => serializeBareItem(sf.integer(1.5))).toThrow(RangeError);
    expect(() => serializeBareItem(sf.token("1abc"))).toThrow(RangeError);
  });

  it("round-trips what it parses", () => {
    const texts = ['a=("x" "y");created=1;nonce="n\\"x";tag="t", b=:AQID:, c, d=?0;x', "e=tok;p=-1.5"];
    for (const t of texts) {
      const r = parseDictionary(t);
      expect(r.ok && serializeDictionary(r.value)).toBe(t);
    }
  });
});
