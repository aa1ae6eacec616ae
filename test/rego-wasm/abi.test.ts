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
