import { describe, expect, it } from "vitest";
import { parseXfcc, selectXfccElement, type XfccErrorCode } from "../../src/identity/sources/xfcc.js";

const HASH = "468ed33be74eee6556d90c0149c1309e9ba61d6425303443c0748a02dd8de688";

describe("parseXfcc: accepted forms", () => {
  it("parses the Envoy documentation example", () => {
    const r = parseXfcc(
      `By=http://frontend.lyft.com;Hash=${HASH};Subject="/C=US/ST=CA/L=San Francisco/OU=Lyft/CN=Test Client";URI=http://testclient.lyft.com`,
    );
    expect(r).toEqual({
      ok: true,
      elements: [
        {
          by: ["http://frontend.lyft.com"],
          hash: HASH,
          subject: "/C=US/ST=CA/L=San Francisco/OU=Lyft/CN=Test Client",
          uri: ["http://testclient.lyft.com"],
          dns: [],
        },
      ],
    });
  });

  const cases: [string, string, (r: ReturnType<typeof parseXfcc>) => void][] = [
    [
      "keys are case-insensitive",
      `by=spiffe://a/p;HASH=${HASH};uRi=spiffe://b/q;dns=x.example`,
      (r) => {
        expect(r.ok && r.elements[0]).toMatchObject({
          by: ["spiffe://a/p"],
          hash: HASH,
          uri: ["spiffe://b/q"],
          dns: ["x.example"],
        });
      },
    ],
    [
      "values are case-sensitive; Hash is normalised to lower case",
      `URI=spiffe://a/CaSe;Hash=${HASH.toUpperCase()}`,
      (r) => {
        expect(r.ok && r.elements[0]?.uri).toEqual(["spiffe://a/CaSe"]);
        expect(r.ok && r.elements[0]?.hash).toBe(HASH);
      },
    ],
    [
      'quoted values keep , ; = and unescape \\"',
      `Subject="CN=a,O=b;c=\\"quoted\\"";URI=spiffe://x/y`,
      (r) => expect(r.ok && r.elements[0]?.subject).toBe('CN=a,O=b;c="quoted"'),
    ],
    [
      "other backslashes inside quotes are literal",
      `Subject="CN=a\\,b"`,
      (r) => expect(r.ok && r.elements[0]?.subject).toBe("CN=a\\,b"),
    ],
    ["an empty quoted value", `Subject=""`, (r) => expect(r.ok && r.elements[0]?.subject).toBe("")],
    [
      "an empty unquoted value",
      `URI=;DNS=a`,
      (r) => expect(r.ok && r.elements[0]).toMatchObject({ uri: [""], dns: ["a"] }),
    ],
    [
      "DNS, URI and By repeat",
      `By=spiffe://p/1;By=spiffe://p/2;DNS=a;DNS=b;DNS=c;URI=spiffe://c/1;URI=spiffe://c/2`,
      (r) =>
        expect(r.ok && r.elements[0]).toMatchObject({
          by: ["spiffe://p/1", "spiffe://p/2"],
          dns: ["a", "b", "c"],
          uri: ["spiffe://c/1", "spiffe://c/2"],
        }),
    ],
    [
      "several elements, one per hop",
      `By=spiffe://p/1;URI=spiffe://c/1,By=spiffe://p/2;URI=spiffe://c/2,By=spiffe://p/3;URI=spiffe://c/3`,
      (r) => {
        expect(r.ok && r.elements.length).toBe(3);
        expect(r.ok && selectXfccElement(r.elements)?.by).toEqual(["spiffe://p/3"]);
      },
    ],
    [
      "optional whitespace around , and ;",
      `By=spiffe://p/1 ; URI=spiffe://c/1 , By=spiffe://p/2;URI=spiffe://c/2`,
      (r) => expect(r.ok && r.elements.map((e) => e.by[0])).toEqual(["spiffe://p/1", "spiffe://p/2"]),
    ],
    [
      "a comma inside quotes does not split elements",
      `Subject="a,b,c";URI=spiffe://x/y`,
      (r) => expect(r.ok && r.elements.length).toBe(1),
    ],
    [
      "Cert and Chain are kept URL-encoded",
      `Cert="-----BEGIN%20CERTIFICATE-----%0AAAAA%0A-----END%20CERTIFICATE-----%0A";Chain=abc%2Cdef`,
      (r) =>
        expect(r.ok && r.elements[0]).toMatchObject({
          cert: "-----BEGIN%20CERTIFICATE-----%0AAAAA%0A-----END%20CERTIFICATE-----%0A",
          chain: "abc%2Cdef",
        }),
    ],
  ];
  for (const [name, header, check] of cases) {
    it(name, () => {
      const r = parseXfcc(header);
      expect(r.ok, JSON.stringify(r)).toBe(true);
      check(r);
    });
  }

  it("accepts exactly maxElements elements", () => {
    const header = Array.from({ length: 32 }, (_, i) => `URI=spiffe://c/${i}`).join(",");
    const r = parseXfcc(header);
    expect(r.ok && r.elements.length).toBe(32);
    expect(r.ok && selectXfccElement(r.elements)?.uri).toEqual(["spiffe://c/31"]);
  });
});

describe("parseXfcc: rejected forms", () => {
  const cases: [string, string, XfccErrorCode][] = [
    ["empty header", "", "xfcc_empty_element"],
    ["whitespace only", "   ", "xfcc_empty_element"],
    ["leading comma", ",URI=a", "xfcc_empty_element"],
    ["trailing comma", "URI=a,", "xfcc_empty_element"],
    ["double comma", "URI=a,,URI=b", "xfcc_empty_element"],
    ["trailing semicolon", "URI=a;", "xfcc_empty_pair"],
    ["double semicolon", "URI=a;;DNS=b", "xfcc_empty_pair"],
    ["leading semicolon", ";URI=a", "xfcc_empty_pair"],
    ["semicolon before comma", "URI=a;,URI=b", "xfcc_empty_pair"],
    ["key without =", "URI", "xfcc_missing_equals"],
    ["key without = before ;", "URI;DNS=a", "xfcc_missing_equals"],
    ["empty key", "=a", "xfcc_bad_key"],
    ["key with a digit", "UR1=a", "xfcc_bad_key"],
    ["space inside key", "U RI=a", "xfcc_missing_equals"],
    ["unknown key", "Foo=bar", "xfcc_unknown_key"],
    ["unknown key after good pairs", "URI=a;Email=x@y", "xfcc_unknown_key"],
    ["duplicate Hash", `Hash=${HASH};Hash=${HASH}`, "xfcc_duplicate_key"],
    ["duplicate Cert", "Cert=a;cert=b", "xfcc_duplicate_key"],
    ["duplicate Chain", "Chain=a;Chain=b", "xfcc_duplicate_key"],
    ["duplicate Subject", 'Subject="a";SUBJECT="b"', "xfcc_duplicate_key"],
    ["unterminated quote", 'Subject="CN=a', "xfcc_unbalanced_quote"],
    ["unterminated quote ending in an escape", 'Subject="CN=a\\"', "xfcc_unbalanced_quote"],
    ["quote inside an unquoted value", 'URI=a"b', "xfcc_unbalanced_quote"],
    ["stray closing quote", 'URI=ab"', "xfcc_unbalanced_quote"],
    ["text after the closing quote", 'Subject="a"b;URI=c', "xfcc_junk_after_quote"],
    ["second quoted string", 'Subject="a""b"', "xfcc_junk_after_quote"],
    ["= inside an unquoted value", "Subject=CN=a", "xfcc_bad_value"],
    ["space inside an unquoted value", "URI=a b", "xfcc_bad_value"],
    ["control character in a value", "URI=a\u0000b", "xfcc_bad_char"],
    ["newline in a quoted value", 'Subject="a\nb"', "xfcc_bad_char"],
    ["DEL in a value", "URI=a\u007f", "xfcc_bad_char"],
    ["Hash not hex", `Hash=${"z".repeat(64)}`, "xfcc_bad_hash"],
    ["Hash too short", "Hash=abcd", "xfcc_bad_hash"],
    ["Hash too long", `Hash=${HASH}00`, "xfcc_bad_hash"],
    ["Hash empty", "Hash=", "xfcc_bad_hash"],
  ];
  for (const [name, header, code] of cases) {
    it(`${name} -> ${code}`, () => {
      const r = parseXfcc(header);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.code).toBe(code);
    });
  }

  it("rejects more than maxElements elements", () => {
    const header = Array.from({ length: 33 }, (_, i) => `URI=spiffe://c/${i}`).join(",");
    const r = parseXfcc(header);
    expect(!r.ok && r.code).toBe("xfcc_too_many_elements");
  });

  it("rejects thousands of elements quickly and without throwing", () => {
    const header = Array.from({ length: 5000 }, () => "URI=a").join(",");
    const t = performance.now();
    const r = parseXfcc(header, { maxBytes: 1 << 20 });
    expect(!r.ok && r.code).toBe("xfcc_too_many_elements");
    expect(performance.now() - t).toBeLessThan(1000);
  });

  it("rejects a header over the size limit before parsing", () => {
    const r = parseXfcc(`URI=${"a".repeat(70_000)}`);
    expect(!r.ok && r.code).toBe("xfcc_too_large");
    expect(parseXfcc("URI=abcdef", { maxBytes: 5 })).toMatchObject({ ok: false, code: "xfcc_too_large" });
  });

  it("rejects too many pairs in one element", () => {
    const header = Array.from({ length: 65 }, () => "DNS=a").join(";");
    expect(parseXfcc(header)).toMatchObject({ ok: false, code: "xfcc_too_many_pairs" });
    expect(parseXfcc(header, { maxPairs: 65 }).ok).toBe(true);
  });

  it("reports the offset of the error", () => {
    const r = parseXfcc('URI=a;Subject="oops');
    expect(r).toMatchObject({ ok: false, code: "xfcc_unbalanced_quote", offset: 14 });
  });

  it("never throws on random input", () => {
    const alphabet = 'ab=;,"\\ \tURIByHashCert\u0001%';
    let seed = 42;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    for (let i = 0; i < 3000; i++) {
      const len = rnd() % 40;
      let s = "";
      for (let j = 0; j < len; j++) s += alphabet[rnd() % alphabet.length];
      const r = parseXfcc(s);
      expect(typeof r.ok).toBe("boolean");
    }
  });
});
