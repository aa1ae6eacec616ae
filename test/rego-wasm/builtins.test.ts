import { describe, expect, it } from "vitest";
import type { Stmt } from "../../src/rego/ir/types.js";
import { nativeBuiltins } from "../../src/rego/wasm/index.js";
import { runtimeModule } from "../../src/rego/wasm/module.js";
import { L, PolicyBuilder, load } from "./helpers.js";

/**
 * [builtin, args, expected result (undefined = the call is undefined), arg indexes to turn into
 * sets]. A bigint result is compared exactly, through json.marshal of the result.
 */
type Row = [string, unknown[], unknown, number[]?];

const rows: Row[] = [
  // arithmetic
  ["plus", [1, 2], 3],
  // OPA's 64-bit-mantissa big.Float arithmetic prints short decimals exactly: 0.1 + 0.2 == 0.3
  ["plus", [0.1, 0.2], 0.3],
  ["minus", [0.3, 0.1], 0.2],
  ["mul", [0.1, 3], 0.3],
  ["mul", [1.1, 1.1], 1.21],
  ["plus", [1.5, 1.5], 3],
  ["plus", [1e-7, 1], 1.0000001],
  ["sum", [[0.1, 0.2, 0.3]], 0.6],
  ["plus", [9223372036854775807n, 1], 9223372036854775808n],
  ["mul", [12345678901234567890n, 10], 123456789012345678900n],
  ["minus", [-9223372036854775808n, 1], -9223372036854775809n],
  ["plus", [12345678901234567890n, -12345678901234567890n], 0],
  ["plus", ["a", 1], undefined],
  ["minus", [1, 3], -2],
  ["minus", [[1, 2, 3], [2]], [1, 3], [0, 1]],
  ["mul", [6, 7], 42],
  ["mul", [1.5, 2], 3],
  ["div", [10, 4], 2.5],
  ["div", [10, 5], 2],
  ["div", [1, 8], 0.125],
  ["div", [{ $num: "1e109" }, { $num: "1e100" }], 1000000000],
  ["div", [0.3, 0.1], 3],
  ["div", [1, 3], 0.3333333333333333],
  ["div", [1, 0], undefined],
  ["rem", [7, 4], 3],
  ["rem", [-7, 4], -3],
  ["rem", [7, 0], undefined],
  ["rem", [7.5, 2], undefined],
  ["abs", [-10], 10],
  ["abs", [-1.5], 1.5],
  ["round", [2.5], 3],
  ["round", [-2.5], -3],
  ["round", [2.4], 2],
  ["ceil", [1.2], 2],
  ["floor", [-1.2], -2],
  ["gt", [2, 1], true],
  ["gt", ["a", 1], true],
  ["lt", [null, false], true],
  ["lte", [1, 1.0], true],
  ["gte", [[1], [1, 2]], false],
  ["equal", [{ a: [1] }, { a: [1] }], true],
  ["neq", [1, "1"], true],
  ["numbers.range", [1, 4], [1, 2, 3, 4]],
  ["numbers.range", [2, -1], [2, 1, 0, -1]],
  ["numbers.range", [1.5, 3], undefined],
  ["numbers.range_step", [0, 10, 3], [0, 3, 6, 9]],
  ["numbers.range_step", [0, 10, 1000000000000000000000n], [0]],
  ["to_number", ["10"], 10],
  ["to_number", ["-1.5"], -1.5],
  ["to_number", [true], 1],
  ["to_number", [null], 0],
  ["to_number", ["x"], undefined],
  ["format_int", [255, 16], "ff"],
  ["format_int", [-5.9, 2], "-101"],
  ["bits.and", [12, 10], 8],
  ["bits.or", [12, 10], 14],
  ["bits.xor", [12, 10], 6],
  ["bits.negate", [5], -6],
  ["bits.lsh", [1, 4], 16],
  ["bits.rsh", [-16, 2], -4],
  // aggregates and sets
  ["count", ["héllo"], 5],
  // Go counts each byte of an invalid UTF-8 sequence as one rune
  ["count", [{ $b64: "2E84ZuPUd7zfvCZSNEchVpDEIj6PL7JfLpIqyxVG16k=" }], 30],
  ["count", [{ a: 1, b: 2 }], 2],
  ["count", [1], undefined],
  ["sum", [[1, 2, 3.5]], 6.5],
  ["product", [[2, 3, 4]], 24],
  ["max", [[1, 5, 3]], 5],
  ["min", [["b", "a"]], "a"],
  ["max", [[]], undefined],
  ["sort", [[3, "a", null, 1]], [null, 1, 3, "a"]],
  ["sort", [[3, 1, 2]], [1, 2, 3], [0]],
  [
    "and",
    [
      [1, 2, 3],
      [2, 3, 4],
    ],
    [2, 3],
    [0, 1],
  ],
  ["or", [[1], [2]], [1, 2], [0, 1]],
  ["all", [[true, true]], true],
  ["any", [[false, true]], true],
  // strings
  ["concat", [", ", ["a", "b", "c"]], "a, b, c"],
  ["concat", ["-", ["b", "a"]], "a-b", [1]],
  ["contains", ["hello", "ell"], true],
  ["startswith", ["hello", "he"], true],
  ["endswith", ["hello", "lo"], true],
  ["endswith", ["hello", "x"], false],
  ["indexof", ["héllo", "l"], 2],
  ["indexof", ["hello", "z"], -1],
  ["indexof_n", ["abcabc", "bc"], [1, 4]],
  ["lower", ["ÀBC"], "àbc"],
  // Go maps case code point by code point: ß has no single-code-point upper case
  ["upper", ["straße"], "STRAßE"],
  ["upper", ["héllo wörld 😀"], "HÉLLO WÖRLD 😀"],
  ["lower", ["ÀÉÎ İ ΣΑ"], "àéî i σα"],
  ["replace", ["a.b.c", ".", "/"], "a/b/c"],
  ["split", ["a,b,,c", ","], ["a", "b", "", "c"]],
  ["split", ["hé", ""], ["h", "é"]],
  ["substring", ["héllo", 1, 3], "éll"],
  ["substring", ["hello", 1, -1], "ello"],
  ["substring", ["hello", 10, 2], ""],
  ["substring", ["hello", -1, 2], undefined],
  ["trim", ["  xhix  ", " x"], "hi"],
  ["trim_left", ["aab", "a"], "b"],
  ["trim_right", ["baa", "a"], "b"],
  ["trim_prefix", ["foobar", "foo"], "bar"],
  ["trim_suffix", ["foobar", "bar"], "foo"],
  ["trim_space", ["\t hi \n\u00a0"], "hi"],
  ["strings.reverse", ["héllo😀"], "😀olléh"],
  ["strings.replace_n", [{ a: "1", ab: "2" }, "abab"], "1b1b"],
  ["strings.count", ["cheese", "e"], 3],
  ["strings.any_prefix_match", [["a/b", "c"], "c"], true],
  // collections
  ["array.concat", [[1], [2, 3]], [1, 2, 3]],
  ["array.reverse", [[1, 2, 3]], [3, 2, 1]],
  ["array.slice", [[1, 2, 3, 4], 1, 3], [2, 3]],
  ["array.slice", [[1, 2, 3, 4], -5, 10], [1, 2, 3, 4]],
  ["array.slice", [[1, 2, 3], 2, 1], []],
  ["object.get", [{ a: { b: 1 } }, ["a", "b"], "d"], 1],
  ["object.get", [{ a: { b: 1 } }, "x", "d"], "d"],
  ["object.get", [{ a: [5, 6] }, ["a", 1], "d"], 6],
  ["object.keys", [{ b: 1, a: 2 }], ["a", "b"]],
  ["object.remove", [{ a: 1, b: 2, c: 3 }, ["a", "c"]], { b: 2 }],
  ["object.filter", [{ a: 1, b: 2, c: 3 }, ["a", "c"]], { a: 1, c: 3 }],
  [
    "object.union",
    [
      { a: { b: 1, c: 2 }, d: 1 },
      { a: { b: 3 }, d: { x: 1 } },
    ],
    { a: { b: 3, c: 2 }, d: { x: 1 } },
  ],
  ["object.union_n", [[{ a: 1 }, { b: 2 }, { a: 3 }]], { a: 3, b: 2 }],
  ["internal.member_2", [2, [1, 2]], true],
  ["internal.member_2", [2, { a: 2 }], true],
  ["internal.member_2", ["a", { a: 2 }], false],
  ["internal.member_2", [3, [1, 2]], false, [1]],
  ["internal.member_3", ["a", 2, { a: 2 }], true],
  ["internal.member_3", [1, "y", ["x", "y"]], true],
  ["internal.member_3", ["foo", "foo", ["foo", "bar"]], true, [2]],
  ["internal.member_3", ["foo", "bar", ["foo", "bar"]], false, [2]],
  [
    "walk",
    [{ a: [1] }],
    [
      [[], { a: [1] }],
      [["a"], [1]],
      [["a", 0], 1],
    ],
  ],
  ["type_name", [[1]], "array"],
  ["type_name", [[1]], "set", [0]],
  ["is_string", ["x"], true],
  ["is_number", ["x"], false],
  ["json.filter", [{ a: { b: 1, c: 2 }, d: 3 }, ["a/b", "d"]], { a: { b: 1 }, d: 3 }],
  ["json.remove", [{ a: { b: 1, c: 2 }, d: 3 }, ["a/b", "d"]], { a: { c: 2 } }],
  ["json.filter", [{ a: [{ x: 1, y: 2 }, 5] }, [["a", 0, "x"]]], { a: [{ x: 1 }] }],
  // sprintf with Go's fmt semantics (the SDK's own JS sprintf is never reached)
  ["sprintf", ["hi %v", [["there", 5, 3.14]]], 'hi ["there", 5, 3.14]'],
  ["sprintf", ["hi %s", [true]], "hi true"],
  ["sprintf", ["%v|%v|%v", [{ b: [1], a: null }, "x", 1.5]], '{"a": null, "b": [1]}|x|1.5'],
  ["sprintf", ["%s", [123456789123456789123n]], "123456789123456789123"],
  ["sprintf", ["%d/%x/%X/%o/%b", [255, 255, 255, 8, 5]], "255/ff/FF/10/101"],
  ["sprintf", ["hi %02X.%02X", [127, 1]], "hi 7F.01"],
  ["sprintf", ["%5d|%-5s|%05d|%+d", [42, "ab", -42, 7]], "   42|ab   |-0042|+7"],
  ["sprintf", ["hi %.2f", [4.5678]], "hi 4.57"],
  ["sprintf", ["%08.3f|%f", [-4.56789, 2.5]], "-004.568|2.500000"],
  [
    "sprintf",
    ["%e|%g|%g|%v", [123456.789, 0.00001234, 1000000.5, 1e21]],
    "1.234568e+05|1.234e-05|1.0000005e+06|1e+21",
  ],
  ["sprintf", ["%q|%.2s|%T", ['a"b', "héllo", 1.5]], '"a\\"b"|hé|float64'],
  ["sprintf", ["%d", ["a"]], "%!d(string=a)"],
  ["sprintf", ["%v %v", [1]], "1 %!v(MISSING)"],
  ["sprintf", ["%v", [1, "a"]], "1%!(EXTRA string=a)"],
  ["sprintf", ["100%% %s", ["done"]], "100% done"],
  ["sprintf", ["x", []], "x"],
  ["sprintf", ["%s", "notarray"], undefined],
  ["object.subset", [{ a: { b: 1, c: 2 }, d: 3 }, { a: { b: 1 } }], true],
  ["object.subset", [{ a: 1 }, { a: 2 }], false],
  [
    "object.subset",
    [
      [1, 2, 3, 4],
      [2, 3],
    ],
    true,
  ],
  [
    "object.subset",
    [
      [1, 2, 3, 4],
      [2, 4],
    ],
    false,
  ],
  [
    "object.subset",
    [
      [1, 2, 3],
      [3, 1],
    ],
    true,
    [1],
  ],
  [
    "object.subset",
    [
      [1, 2, 3],
      [2, 5],
    ],
    false,
    [0, 1],
  ],
  ["object.subset", [1, [1]], undefined],
  // regular expressions (RE2 syntax) and globs
  ["regex.replace", ["foo-bar-baz", "-([a-z])", "_$1"], "foo_bar_baz"],
  // biome-ignore lint/suspicious/noTemplateCurlyInString: Go's replacement template syntax
  ["regex.replace", ["abc", "(?P<x>b)", "[${x}]$$"], "a[b]$c"],
  ["regex.replace", ["abc", "", "-"], "-a-b-c-"],
  ["regex.replace", ["aaa", "a*", "X"], "X"],
  ["regex.replace", ["baaac", "a*", "X"], "XbXcX"],
  ["regex.match", ["^a+b$", "aaab"], true],
  ["regex.match", ["^a+b$", "aaabc"], false],
  ["regex.match", ["(?i)HELLO", "say hello"], true],
  ["regex.match", ["^[a-z0-9._%+-]+@[a-z0-9.-]+\\.[a-z]{2,}$", "bob@example.com"], true],
  ["regex.match", ["^\\d{3}-\\d{4}$", "555-1234"], true],
  ["regex.match", ["^[^/]+/[[:alpha:]]+$", "ns/Name"], true],
  ["regex.match", ["\\bfoo\\b", "a foo b"], true],
  ["regex.match", ["\\bfoo\\b", "afoob"], false],
  ["regex.match", ["^.$", "é"], true],
  ["regex.match", ["(", "x"], undefined],
  ["re_match", ["^spiffe://example\\.org/.*$", "spiffe://example.org/ns/default"], true],
  ["regex.is_valid", ["a(b"], false],
  ["regex.is_valid", ["a(?P<name>b)"], true],
  ["regex.is_valid", ["a**"], false],
  ["regex.is_valid", ["\\1"], false],
  [
    "regex.find_all_string_submatch_n",
    ["a(x*)b", "-ab-axxb-", -1],
    [
      ["ab", ""],
      ["axxb", "xx"],
    ],
  ],
  [
    "regex.find_all_string_submatch_n",
    ["(a)|(b)", "ab", -1],
    [
      ["a", "a", ""],
      ["b", "", "b"],
    ],
  ],
  ["regex.find_all_string_submatch_n", ["a*", "baaab", -1], [[""], ["aaa"], [""]]],
  ["regex.find_all_string_submatch_n", ["a(x*)b", "-ab-axxb-", 1], [["ab", ""]]],
  ["regex.find_n", ["[0-9]+", "a1b22c333", 2], ["1", "22"]],
  ["regex.find_n", ["a|ab", "ab", -1], ["a"]],
  ["regex.split", ["[,;]", "a,b;c"], ["a", "b", "c"]],
  ["glob.match", ["*.github.com", ["."], "api.github.com"], true],
  ["glob.match", ["*.github.com", ["."], "api.cdn.github.com"], false],
  ["glob.match", ["api.**.com", ["."], "api.cdn.github.com"], true],
  ["glob.match", ["*", [], "foo.bar"], false],
  ["glob.match", ["*", null, "foo.bar"], true],
  ["glob.match", ["{cat,bat,[fr]at}", [], "rat"], true],
  ["glob.match", ["{cat,bat,[fr]at}", [], "at"], false],
  ["glob.match", ["[!a-c]at", [], "bat"], false],
  ["glob.match", ["?at", ["f"], "fat"], false],
  ["glob.match", ["spiffe://example.org/ns/*/sa/*", ["/"], "spiffe://example.org/ns/prod/sa/api"], true],
  // networks and graphs
  ["net.cidr_contains", ["10.0.0.0/8", "10.1.2.3"], true],
  ["net.cidr_contains", ["10.0.0.0/8", "11.1.2.3"], false],
  ["net.cidr_contains", ["10.0.0.0/8", "10.1.0.0/16"], true],
  ["net.cidr_contains", ["10.1.0.0/16", "10.0.0.0/8"], false],
  ["net.cidr_contains", ["2001:db8::/32", "2001:db8:1::1"], true],
  ["net.cidr_contains", ["2001:db8::/32", "10.0.0.1"], false],
  ["net.cidr_contains", ["not a cidr", "10.0.0.1"], undefined],
  [
    "net.cidr_contains_matches",
    [
      ["1.1.1.0/24", "1.1.2.0/24"],
      ["1.1.2.1", "1.1.1.1"],
    ],
    [
      [0, 1],
      [1, 0],
    ],
  ],
  ["net.cidr_contains_matches", [{ a: ["10.0.0.0/8", "x"] }, "10.1.1.1"], [["a", "10.1.1.1"]]],
  [
    "net.cidr_contains_matches",
    [["10.0.0.0/8"], ["10.1.1.1", "11.0.0.1"]],
    [["10.0.0.0/8", "10.1.1.1"]],
    [0, 1],
  ],
  ["net.cidr_intersects", ["192.168.1.0/24", "192.168.0.0/16"], true],
  ["net.cidr_intersects", ["192.168.1.0/24", "192.168.2.0/24"], false],
  ["net.cidr_intersects", ["fd00::/8", "fd12:3456::/32"], true],
  ["graph.reachable", [{ a: ["b"], b: ["c"], c: [], d: ["a"] }, ["a"]], ["a", "b", "c"]],
  ["graph.reachable", [{ a: ["b"], b: ["a"] }, ["x"]], []],
  [
    "graph.reachable_paths",
    [{ "1": [], "2": ["1"], "3": ["2"], "4": ["3", "2"], "5": ["4"] }, ["5"]],
    [
      ["5", "4", "2", "1"],
      ["5", "4", "3", "2", "1"],
    ],
  ],
  ["graph.reachable_paths", [{ a: ["b"], b: ["c"], c: ["a"] }, ["a"]], [["a", "b", "c"]]],
  // encodings
  ["base64.encode", ["hello"], "aGVsbG8="],
  ["base64.decode", ["aGVsbG8="], "hello"],
  ["base64.decode", ["aGVsbG8"], undefined],
  ["base64.is_valid", ["aGVsbG8="], true],
  ["base64.is_valid", ["!!"], false],
  ["base64url.encode", ["\u00ff\u00fe"], "w7_Dvg=="],
  ["base64url.decode", ["w7_Dvg"], "\u00ff\u00fe"],
  ["json.marshal", [{ b: [1, "<x>"], a: null }], '{"a":null,"b":[1,"\\u003cx\\u003e"]}'],
  ["json.marshal", [[2, 1]], "[1,2]", [0]],
  ["json.unmarshal", ['{"a": [1, 2.5, "x"]}'], { a: [1, 2.5, "x"] }],
  [
    "json.marshal_with_options",
    [[1, { b: "<", a: [] }], { pretty: true }],
    '[\n\t1,\n\t{\n\t\t"a": [],\n\t\t"b": "\\u003c"\n\t}\n]',
  ],
  ["json.marshal_with_options", [[1, 2], { prefix: "> ", indent: "  " }], "> [\n>   1,\n>   2\n> ]"],
  ["json.marshal_with_options", [[1, 2], { pretty: false, indent: "x" }], "[1,2]"],
  ["json.marshal_with_options", [[], { bogus: 1 }], undefined],
  ["json.unmarshal", ["{"], undefined],
  ["json.is_valid", ["[1,2]"], true],
  ["json.is_valid", ["[1,"], false],
];

/** Arguments written {$b64: "..."} are passed as the bytes base64.decode yields (e.g. invalid UTF-8). */
const isB64 = (a: unknown): a is { $b64: string } => typeof a === "object" && a !== null && "$b64" in a;
/** Arguments written {$num: "1e109"} are passed as that exact number text. */
const isNum = (a: unknown): a is { $num: string } => typeof a === "object" && a !== null && "$num" in a;

function planFor(p: PolicyBuilder, fn: string, values: unknown[], sets: number[], exact: boolean): string {
  const arity = values.length;
  const decode = values.flatMap((a, i) => (isB64(a) ? [i] : []));
  const name = `${fn}#${arity}#${sets.join(",")}#${exact}#${decode.join(",")}`;
  if (p.plans.some((x) => x.name === name)) return name;
  const stmts: Stmt[] = [{ type: "Dot", source: L(0), key: p.s("args"), target: 2 }];
  const args: number[] = [];
  for (let i = 0; i < arity; i++) {
    const idx = 10 + i * 5;
    stmts.push({ type: "MakeNumberInt", value: BigInt(i), target: idx });
    stmts.push({ type: "Dot", source: L(2), key: L(idx), target: idx + 1 });
    if (decode.includes(i))
      stmts.push({ type: "Call", func: "base64.decode", args: [L(idx + 1)], result: idx + 1 });
    if (sets.includes(i)) {
      stmts.push({ type: "MakeSet", target: idx + 2 });
      stmts.push({
        type: "Scan",
        source: idx + 1,
        key: idx + 3,
        value: idx + 4,
        block: { stmts: [{ type: "SetAdd", value: L(idx + 4), set: idx + 2 }] },
      });
      args.push(idx + 2);
    } else args.push(idx + 1);
  }
  stmts.push({ type: "Call", func: fn, args: args.map(L), result: 3 });
  if (exact) stmts.push({ type: "Call", func: "json.marshal", args: [L(3)], result: 3 });
  stmts.push({ type: "ResultSetAdd", value: 3 });
  p.plan(name, stmts);
  return name;
}

const toJSON = (v: unknown): string =>
  JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? `__big${x}__` : x)).replace(
    /"__big(-?\d+)__"/g,
    "$1",
  );

describe("native builtins", () => {
  it("every native builtin name has a runtime export", () => {
    const rt = runtimeModule();
    for (const name of nativeBuiltins()) {
      expect(rt.exports.get(`opa_b_${name.replace(/\./g, "_")}`), name).toBeDefined();
    }
    expect(nativeBuiltins().has("time.now_ns")).toBe(false);
  });

  it("computes OPA's results", async () => {
    const p = new PolicyBuilder();
    const entries = rows.map((r) => planFor(p, r[0], r[1], r[3] ?? [], typeof r[2] === "bigint"));
    const policy = await load(p.build());
    const failures: string[] = [];
    rows.forEach((r, i) => {
      const args = r[1].map((a) => (isB64(a) ? a.$b64 : isNum(a) ? BigInt(0) : a));
      let text = toJSON({ args });
      for (const a of r[1]) if (isNum(a)) text = text.replace(/(?<=[[,])0(?=[,\]])/, a.$num);
      const input = new TextEncoder().encode(text).buffer;
      let got: unknown;
      try {
        got = policy.evaluate(input, entries[i]);
      } catch (e) {
        got = `threw ${String(e)}`;
      }
      const want = r[2] === undefined ? [] : [{ result: typeof r[2] === "bigint" ? String(r[2]) : r[2] }];
      if (JSON.stringify(got) !== JSON.stringify(want)) {
        failures.push(`${r[0]}(${toJSON(r[1])}): got ${toJSON(got)}, want ${toJSON(want)}`);
      }
    });
    expect(failures).toEqual([]);
  });
});

describe("strict builtin errors", () => {
  it("abort with the builtin's reason instead of being undefined", async () => {
    const { generateWasm } = await import("../../src/rego/wasm/index.js");
    const { loadPolicy } = await import("@open-policy-agent/opa-wasm");
    const p = new PolicyBuilder();
    p.plan("test/p", [
      { type: "Dot", source: L(0), key: p.s("a"), target: 2 },
      { type: "Dot", source: L(0), key: p.s("b"), target: 3 },
      { type: "Call", func: "rem", args: [L(2), L(3)], result: 4, loc: { file: "x.rego", row: 2, col: 5 } },
      { type: "ResultSetAdd", value: 4 },
    ]);
    p.plan("test/q", [
      { type: "Dot", source: L(0), key: p.s("a"), target: 2 },
      { type: "Call", func: "max", args: [L(2)], result: 4 },
      { type: "ResultSetAdd", value: 4 },
    ]);
    const strict = await loadPolicy(generateWasm(p.build(), { strictBuiltinErrors: true }));
    expect(strict.evaluate({ a: 7, b: 4 })).toEqual([{ result: 3 }]);
    expect(() => strict.evaluate({ a: 7, b: 0 })).toThrow("x.rego:2:5: rem: modulo by zero");
    // undefined without an error stays undefined
    expect(strict.evaluate({ a: [] }, "test/q")).toEqual([]);
    const lax = await load(p.build());
    expect(lax.evaluate({ a: 7, b: 0 })).toEqual([]);
  });
});
