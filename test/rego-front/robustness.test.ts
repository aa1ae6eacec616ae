import { describe, expect, it } from "vitest";
import { checkModules } from "../../src/rego/check/index.js";
import { RegoCompileError } from "../../src/rego/errors.js";
import { MAX_NESTING, parseBody, parseModule, parseTerm } from "../../src/rego/syntax/index.js";

/** Runs f and returns the first compile error's code and location; fails on anything else. */
function compileError(f: () => unknown): {
  code: string;
  file: string;
  row: number;
  col: number;
  message: string;
} {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(RegoCompileError);
    const first = (e as RegoCompileError).errors[0]!;
    return { code: first.code, message: first.message, ...first.location };
  }
  throw new Error("expected a compile error");
}

const mod = (text: string | Uint8Array) => parseModule({ path: "r.rego", text });

describe("robustness: bad input is a located compile error, never a crash", () => {
  it.each([
    ["[", "package a\np := "],
    ["(", "package a\np := "],
    ["{", "package a\np := "],
    ["-", "package a\np := "],
    ["not {", "package a\np if "],
    ["[x | ", "package a\np := "],
    ['$"{', "package a\np := "],
  ])("100,000 nested %s", (open, prefix) => {
    const e = compileError(() => mod(prefix + open.repeat(100_000)));
    expect(e.code).toBe("rego_parse_error");
    expect(e.file).toBe("r.rego");
    expect(e.row).toBe(2);
  });

  it("accepts nesting just under the limit and checks it", () => {
    const depth = MAX_NESTING - 10;
    const m = mod(`package a\np := ${"[".repeat(depth)}1${"]".repeat(depth)}`);
    expect(() => checkModules([m])).not.toThrow();
  });

  it("reports invalid UTF-8 at the offending byte", () => {
    const bytes = new Uint8Array([...Buffer.from('package a\n\np := "ok"\nq := "'), 0xc3, 0x28, 0x22]);
    expect(compileError(() => mod(bytes))).toMatchObject({ code: "rego_parse_error", row: 4, col: 7 });
  });

  it.each([
    ["overlong encoding", [0xc0, 0xaf]],
    ["UTF-16 surrogate", [0xed, 0xa0, 0x80]],
    ["truncated sequence", [0xe2, 0x82]],
    ["stray continuation", [0x80]],
  ])("rejects %s", (_name, bad) => {
    const bytes = new Uint8Array([...Buffer.from("package a\np := 1 # "), ...bad]);
    expect(compileError(() => mod(bytes))).toMatchObject({ code: "rego_parse_error", row: 2 });
  });

  it("rejects a text source holding a lone UTF-16 surrogate", () => {
    expect(compileError(() => mod('package a\n\np := "\ud800"'))).toMatchObject({
      code: "rego_parse_error",
      row: 3,
      col: 7,
    });
  });

  it("accepts valid multi-byte UTF-8", () => {
    const m = mod(new Uint8Array(Buffer.from('package a\np := "é€😀"')));
    expect(m.rules[0]!.head.value).toMatchObject({ type: "string", value: "é€😀" });
  });

  it("parses a 10 MB string literal", () => {
    const big = "a".repeat(10_000_000);
    const m = mod(`package a\np := "${big}"`);
    expect(m.rules[0]!.head.value).toMatchObject({ type: "string" });
  });

  it("keeps a 10 MB number literal's text", () => {
    const digits = "9".repeat(10_000_000);
    const v = mod(`package a\np := ${digits}`).rules[0]!.head.value;
    expect(v?.type === "number" && v.value.length).toBe(10_000_000);
  });

  it("rejects a 10 MB array literal (too many tokens) with a location", () => {
    const e = compileError(() => mod(`package a\np := [${"1,".repeat(5_000_000)}]`));
    expect(e).toMatchObject({ code: "rego_parse_error", row: 2 });
    expect(e.message).toMatch(/too many tokens/);
  }, 30_000);

  it("rejects an unterminated 10 MB string with its start location", () => {
    const e = compileError(() => mod(`package a\np := "${"a".repeat(10_000_000)}`));
    expect(e).toMatchObject({ code: "rego_parse_error", row: 2, col: 6, message: "non-terminated string" });
  });

  it.each([
    "\u0000\u0001\u0002",
    "package",
    "package a\n}}}}",
    "package a\np := ][",
    "package a\np if { with }",
    "package a\np if { some }",
    "package a\nimport",
    "package a\np := `unterminated",
    'package a\np := $"{1 + }"',
    "package a\nf(x",
    "package a\np.[x] := 1",
    "package a\np := 1 +",
    "package a\nevery x in y { }",
  ])("garbage %j", (text) => {
    const e = compileError(() => mod(text));
    expect(e.code).toBe("rego_parse_error");
    expect(e.row).toBeGreaterThanOrEqual(1);
    expect(e.col).toBeGreaterThanOrEqual(1);
  });

  it("fuzz: random token soup never throws anything but RegoCompileError", () => {
    const atoms = [
      "p",
      "x",
      ":=",
      "=",
      "if",
      "{",
      "}",
      "[",
      "]",
      "(",
      ")",
      ",",
      ";",
      "\n",
      "1",
      '"s"',
      "not",
      "some",
      "in",
      "every",
      "with",
      "as",
      "|",
      "+",
      "contains",
      "else",
      "default",
      "_",
      ".",
      '$"{x}"',
    ];
    let seed = 42;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    for (let i = 0; i < 2000; i++) {
      const n = 1 + (rand() % 25);
      const toks = Array.from({ length: n }, () => atoms[rand() % atoms.length]);
      const text = `package a\n${toks.join(" ")}`;
      try {
        checkModules([mod(text)]);
      } catch (e) {
        if (!(e instanceof RegoCompileError))
          throw new Error(`${JSON.stringify(text)}: ${(e as Error).stack}`);
      }
    }
  });

  it("parseBody and parseTerm fail with locations too", () => {
    expect(compileError(() => parseBody("x := ", "q"))).toMatchObject({ file: "q", row: 1, col: 6 });
    expect(compileError(() => parseTerm("{1: }"))).toMatchObject({ row: 1, col: 5 });
  });
});
