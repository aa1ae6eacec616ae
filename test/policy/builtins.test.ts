import { describe, expect, it } from "vitest";
import { HostBuiltinError, hostBuiltins } from "../../src/policy/builtins/index.js";

const strict = hostBuiltins({ strict: true });
const lax = hostBuiltins({ strict: false });

/** Calls a host builtin like the SDK does and decodes the value it would hand to the module. */
function call(name: string, ...args: unknown[]): unknown {
  const f = strict[name];
  if (!f) throw new Error(`no builtin ${name}`);
  const out = f(...args);
  return out instanceof ArrayBuffer ? JSON.parse(new TextDecoder().decode(out)) : out;
}

function raw(name: string, ...args: unknown[]): string {
  const out = strict[name]?.(...args);
  return out instanceof ArrayBuffer ? new TextDecoder().decode(out) : JSON.stringify(out);
}

describe("builtin error semantics", () => {
  it("strict mode throws a HostBuiltinError with OPA's code and the builtin name", () => {
    expect(() => call("units.parse", "")).toThrow(HostBuiltinError);
    try {
      call("units.parse", 5);
    } catch (e) {
      expect((e as HostBuiltinError).code).toBe("eval_type_error");
      expect((e as HostBuiltinError).message).toBe("units.parse: operand 1 must be string but got number");
    }
  });
  it("non-strict mode makes the call undefined", () => {
    expect(lax["units.parse"]?.("")).toBeUndefined();
  });
});

describe("sprintf (Go fmt semantics)", () => {
  it.each([
    ["%v %s %d", ["a", "b", 3], "a b 3"],
    ["%v", [1.5], "1.5"],
    ["%v", [{ b: [1, "x"], a: null }], '{"a": null, "b": [1, "x"]}'],
    ["%d", ["x"], "%!d(string=x)"],
    ["%d %d", [1], "1 %!d(MISSING)"],
    ["%d", [1, 2], "1%!(EXTRA int=2)"],
    ["%05.2f|%-4s|%4s|%x|%X|%q", [2.5, "ab", "cd", 255, "hi", 'q"'], '02.50|ab  |  cd|ff|6869|"q\\""'],
    ["%e %g %v", [1234.5678, 0.00001234, 1e21], "1.234568e+03 1.234e-05 1e+21"],
    ["%s", [1], "%!s(int=1)"],
    ["%.3s|%t|%%", ["abcdef", true], "abc|%!t(string=true)|%"],
  ])("sprintf(%j, %j) = %j", (fmt, args, want) => {
    expect(call("sprintf", fmt, args)).toBe(want);
  });
});

describe("units", () => {
  it.each([
    ["units.parse", "500m", "0.5"],
    ["units.parse", "0.0005K", "0.5"],
    ["units.parse", "1.1Ki", "1126.4"],
    ["units.parse", "10Ei", "11529215046068469760"],
    ["units.parse", "-3.5E2m", "-0.35"],
    ["units.parse", '"100TI"', "109951162777600"],
    ["units.parse_bytes", "1.1KiB", "1126"],
    ["units.parse_bytes", "1e-2KB", "10"],
    ["units.parse_bytes", "100m", "100000000"],
    ["units.parse_bytes", "10eib", "11529215046068469760"],
  ])("%s(%j) = %s", (name, arg, want) => {
    expect(raw(name, arg)).toBe(want);
  });
  it.each([
    ["units.parse", "", /no amount provided/],
    ["units.parse", "100 k", /spaces not allowed/],
    ["units.parse", "0.0.0", /could not parse amount/],
    ["units.parse", "10e10000000Ei", /exponent too large/],
    ["units.parse", "5Q", /unknown unit/],
    ["units.parse_bytes", "GB", /no byte amount provided/],
  ])("%s(%j) fails", (name, arg, msg) => {
    expect(() => call(name, arg)).toThrow(msg);
  });
});

describe("time", () => {
  it("parses Go layouts exactly, with range checks", () => {
    expect(raw("time.parse_ns", "2006-01-02T15:04:05Z07:00", "2017-06-02T19:00:00-07:00")).toBe(
      "1496455200000000000",
    );
    expect(raw("time.parse_ns", "01/02 03:04:05PM '06 -0700", "06/02 07:00:00PM '17 -0700")).toBe(
      "1496455200000000000",
    );
    expect(raw("time.parse_ns", "RFC822Z", "02 Jun 17 19:00 -0700")).toBe("1496455200000000000");
    expect(raw("time.parse_rfc3339_ns", "2262-04-11T23:47:16.854775807-00:00")).toBe("9223372036854775807");
    expect(() => call("time.parse_rfc3339_ns", "2262-04-11T23:47:16.854775808-00:00")).toThrow(
      /outside of valid range/,
    );
    expect(() => call("time.parse_ns", "2006-01-02", "2006-13-02")).toThrow(/month out of range/);
  });
  it("parses Go durations", () => {
    expect(raw("time.parse_duration_ns", "1h30m2.5s")).toBe("5402500000000");
    expect(raw("time.parse_duration_ns", "-100ms")).toBe("-100000000");
    expect(() => call("time.parse_duration_ns", "1x")).toThrow(/invalid duration/);
  });
  it("computes calendar fields in time zones", () => {
    expect(call("time.weekday", 1517832000000000000)).toBe("Monday");
    expect(call("time.date", [1517832000000000000, "America/Los_Angeles"])).toEqual([2018, 2, 5]);
    expect(call("time.clock", [1517832000000000000, "America/New_York"])).toEqual([7, 0, 0]);
    expect(
      call("time.format", [1517832000000000000, "America/New_York", "Mon Jan _2 15:04:05 MST 2006"]),
    ).toBe("Mon Feb  5 07:00:00 EST 2018");
    expect(call("time.diff", 1614556800000000000, 1612224000000000000)).toEqual([0, 0, 27, 0, 0, 0]);
    expect(() => call("time.date", [0, "Not/AZone"])).toThrow(/unknown time zone/);
  });
  it("returns one now_ns value per synchronous evaluation", () => {
    expect(raw("time.now_ns")).toBe(raw("time.now_ns"));
  });
});

describe("net, regex, jwt, object", () => {
  it("merges and expands CIDRs", () => {
    expect(call("net.cidr_merge", ["192.0.2.0/25", "192.0.2.128/25", "10.0.0.1", "10.0.0.0/8"])).toEqual([
      "10.0.0.0/8",
      "192.0.2.0/24",
    ]);
    expect(call("net.cidr_expand", "192.0.2.0/31")).toEqual(["192.0.2.0", "192.0.2.1"]);
    expect(() => call("net.cidr_expand", "10.0.0.0/8")).toThrow(/more than/);
    expect(() => call("net.lookup_ip_addr", "example.com")).toThrow(/disabled/);
  });
  it("matches regex templates and glob-like patterns", () => {
    expect(call("regex.replace", "abc-123", "([a-z]+)-(\\d+)", "$2:$1")).toBe("123:abc");
    expect(call("regex.template_match", "urn:foo:{.*}", "urn:foo:bar:baz", "{", "}")).toBe(true);
    expect(call("regex.globs_match", "a.a.", ".b.b")).toBe(true);
    expect(call("regex.globs_match", "[a-c]+", "[x-z]+")).toBe(false);
    expect(() => call("regex.replace", "x", "(a)\\1", "")).toThrow(/unsupported Perl syntax/);
  });
  it("signs and verifies JWTs, rejecting a wrong key and a tampered token", () => {
    const key = { kty: "oct", k: Buffer.from("secret").toString("base64url") };
    const token = call(
      "io.jwt.encode_sign",
      { alg: "HS256", typ: "JWT" },
      { iss: "me", exp: 4102444800 },
      key,
    ) as string;
    expect(call("io.jwt.verify_hs256", token, "secret")).toBe(true);
    expect(call("io.jwt.verify_hs256", token, "other")).toBe(false);
    expect(call("io.jwt.verify_hs256", `${token.slice(0, -2)}xx`, "secret")).toBe(false);
    expect(call("io.jwt.decode_verify", token, { secret: "secret", iss: "me" })).toEqual([
      true,
      { alg: "HS256", typ: "JWT" },
      { iss: "me", exp: 4102444800 },
    ]);
    expect(call("io.jwt.decode_verify", token, { secret: "secret", iss: "you" })).toEqual([false, {}, {}]);
    expect(call("io.jwt.decode_verify", token, { secret: "secret", time: 4102444800e9 })).toEqual([
      false,
      {},
      {},
    ]);
    expect(() => call("io.jwt.decode_verify", token, { secret: "secret", bogus: 1 })).toThrow(
      /unknown token validation constraint/,
    );
    expect(() => call("io.jwt.decode", "not-a-token")).toThrow(/no period separators/);
  });
  it("checks object subsets recursively", () => {
    expect(call("object.subset", { a: { b: 1, c: 2 }, d: [1, 2, 3] }, { a: { b: 1 }, d: [2, 3] })).toBe(true);
    expect(call("object.subset", { a: { b: 1 } }, { a: { b: 2 } })).toBe(false);
  });
});
