import { describe, expect, it } from "vitest";
import { BuiltinError } from "../../src/policy/builtins/errors.js";
import { hostBuiltins } from "../../src/policy/builtins/index.js";
import { renderTemplate } from "../../src/policy/builtins/template.js";

describe("strings.render_template", () => {
  it("prints fields, nested fields, numbers, booleans, arrays and objects Go-style", () => {
    const vars = { who: { name: "ada" }, n: 42, ok: true, list: [1, "x"], m: { b: 2, a: 1 }, z: null };
    expect(renderTemplate("hi {{.who.name}} {{.n}} {{.ok}} {{.list}} {{.m}} {{.z}}", vars)).toBe(
      "hi ada 42 true [1 x] map[a:1 b:2] <nil>",
    );
  });

  it("prints <undefined> for a missing key", () => {
    expect(renderTemplate("[{{.nope}}]", {})).toBe("[<undefined>]");
  });

  it("runs if / else if / else on Go truthiness", () => {
    const t = "{{if .a}}A{{else if .b}}B{{else}}C{{end}}";
    expect(renderTemplate(t, { a: 1 })).toBe("A");
    expect(renderTemplate(t, { a: 0, b: "y" })).toBe("B");
    expect(renderTemplate(t, { a: [], b: "" })).toBe("C");
  });

  it("ranges over arrays with index and value, over objects in key order, and runs else when empty", () => {
    expect(renderTemplate("{{range $i, $v := .xs}}{{$i}}={{$v}};{{end}}", { xs: ["p", "q"] })).toBe(
      "0=p;1=q;",
    );
    expect(renderTemplate("{{range $k, $v := .o}}{{$k}}:{{$v}} {{end}}", { o: { y: 2, x: 1 } })).toBe(
      "x:1 y:2 ",
    );
    expect(renderTemplate("{{range .xs}}{{.}}{{else}}none{{end}}", { xs: [] })).toBe("none");
    expect(renderTemplate("{{range .xs}}{{$.t}}{{.}}{{end}}", { xs: [1, 2], t: "#" })).toBe("#1#2");
  });

  it("supports with, comments, literals and trim markers", () => {
    expect(renderTemplate("{{with .u}}{{.id}}{{else}}anon{{end}}", { u: { id: "7" } })).toBe("7");
    expect(renderTemplate("{{with .u}}{{.id}}{{else}}anon{{end}}", {})).toBe("anon");
    expect(renderTemplate("a {{/* note */}}b", {})).toBe("a b");
    expect(renderTemplate('{{"q}}"}} {{`r`}} {{3}}', {})).toBe("q}} r 3");
    expect(renderTemplate("a  {{- .x -}}  b", { x: "X" })).toBe("aXb");
    expect(renderTemplate("a\n{{-\n.x\n-}}\nb", { x: "X" })).toBe("aXb");
  });

  it("fails precisely on unsupported or malformed templates", () => {
    for (const t of [
      "{{.a | printf}}",
      "{{len .a}}",
      "{{if .a}}x",
      "{{end}}",
      "{{.a",
      '{{template "x"}}',
      "{{.a.b}}",
    ]) {
      expect(() => renderTemplate(t, { a: 1 }), t).toThrow(BuiltinError);
    }
  });

  it("checks operand types and honours strict / non-strict semantics", () => {
    const strict = hostBuiltins({ strict: true })["strings.render_template"];
    const lax = hostBuiltins({ strict: false })["strings.render_template"];
    expect(() => strict?.("x", [1])).toThrow(expect.objectContaining({ code: "eval_type_error" }));
    expect(lax?.("{{end}}", {})).toBeUndefined();
    expect(strict?.("{{.a}}", { a: "b" })).toBe("b");
  });
});
