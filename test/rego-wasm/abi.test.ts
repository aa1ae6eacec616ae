import { loadPolicy } from "@open-policy-agent/opa-wasm";
import { describe, expect, it } from "vitest";
import { generateWasm } from "../../src/rego/wasm/index.js";

type Exports = Record<string, (...args: number[]) => number>;

/** The raw ABI exports of a generated module (through the SDK's instance). */
async function raw() {
  const policy = await loadPolicy(generateWasm({ static: { strings: [], files: [] }, plans: [], funcs: [] }));
  const internals = policy as unknown as { wasmInstance: { exports: Exports }; mem: { buffer: ArrayBuffer } };
  const x = internals.wasmInstance.exports;
  const write = (text: string): [number, number] => {
    const bytes = new TextEncoder().encode(text);
    const addr = x.opa_malloc!(bytes.length);
    new Uint8Array(internals.mem.buffer).set(bytes, addr);
    return [addr, bytes.length];
  };
  const read = (addr: number): string => {
    const buf = new Uint8Array(internals.mem.buffer);
    let end = addr;
    while (buf[end] !== 0) end++;
    return new TextDecoder().decode(buf.subarray(addr, end));
  };
  const parse = (text: string, fn = "opa_json_parse") => x[fn]!(...write(text));
  return {
    x,
    parse,
    read,
    dump: (v: number) => read(x.opa_json_dump!(v)),
    vdump: (v: number) => read(x.opa_value_dump!(v)),
  };
}

describe("OPA Wasm ABI exports", () => {
  it("parses and dumps JSON and Rego values (sets)", async () => {
    const { parse, dump, vdump } = await raw();
    expect(dump(parse('{"b": [1, 2.50, "x\\u00e9\\ud83d\\ude00"], "a": {}}'))).toBe(
      '{"a":{},"b":[1,2.50,"xé😀"]}',
    );
    expect(parse("{")).toBe(0);
    expect(parse("[1,]")).toBe(0);
    expect(parse('{"a" 1}')).toBe(0);
    expect(parse("01")).toBe(0);
    const set = parse('{"b", "a", {"x": set()}}', "opa_value_parse");
    expect(vdump(set)).toBe('{"a","b",{"x":set()}}');
    expect(dump(set)).toBe('["a","b",{"x":[]}]');
  });

  it("patches values with opa_value_add_path / opa_value_remove_path", async () => {
    const { x, parse, dump } = await raw();
    const base = parse('{"a": {"b": 1}}');
    expect(x.opa_value_add_path!(base, parse('["a", "c", "d"]'), parse("true"))).toBe(0);
    expect(dump(base)).toBe('{"a":{"b":1,"c":{"d":true}}}');
    expect(x.opa_value_add_path!(base, parse('["a", "b", "x"]'), parse("1"))).toBe(2);
    expect(x.opa_value_remove_path!(base, parse('["a", "b"]'))).toBe(0);
    expect(dump(base)).toBe('{"a":{"c":{"d":true}}}');
    expect(x.opa_value_remove_path!(base, parse('["nope", "x"]'))).toBe(0);
  });

  it("exposes a resettable heap pointer and a growing heap", async () => {
    const { x, parse, dump } = await raw();
    const before = x.opa_heap_ptr_get!();
    const big = parse(JSON.stringify({ list: Array.from({ length: 50_000 }, (_, i) => `item-${i}`) }));
    expect(x.opa_heap_ptr_get!()).toBeGreaterThan(before + 5 * 65536);
    expect(dump(big).length).toBeGreaterThan(500_000);
    x.opa_heap_ptr_set!(before);
    expect(x.opa_heap_ptr_get!()).toBe(before);
    expect(dump(parse("[1]"))).toBe("[1]");
  });
});

/** Deterministic pseudo-random JSON values (strings with escapes and non-ASCII text). */
function randomValue(next: () => number, depth: number): unknown {
  const pick = Math.floor(next() * (depth > 3 ? 5 : 7));
  const chars = ["a", "Z", " ", '"', "\\", "\n", "\t", "\u0001", "é", "€", "😀", "/", "<", "\u2028"];
  switch (pick) {
    case 0:
      return null;
    case 1:
      return next() < 0.5;
    case 2:
      return Math.floor((next() - 0.5) * 2 ** 40);
    case 3:
      return Number(((next() - 0.5) * 1e6).toPrecision(1 + Math.floor(next() * 15)));
    case 4:
      return Array.from(
        { length: Math.floor(next() * 8) },
        () => chars[Math.floor(next() * chars.length)],
      ).join("");
    case 5:
      return Array.from({ length: Math.floor(next() * 5) }, () => randomValue(next, depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      for (let i = Math.floor(next() * 5); i > 0; i--)
        o[String(randomValue(next, 9))] = randomValue(next, depth + 1);
      return o;
    }
  }
}

describe("JSON round trip", () => {
  it("parse -> dump preserves 500 random documents", async () => {
    const { parse, dump } = await raw();
    let seed = 42;
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let i = 0; i < 500; i++) {
      const v = randomValue(next, 0);
      const text = JSON.stringify(v);
      const addr = parse(text);
      expect(addr, text).not.toBe(0);
      expect(JSON.parse(dump(addr)), text).toEqual(v);
    }
  });
});
