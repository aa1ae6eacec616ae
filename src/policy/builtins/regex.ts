/**
 * regex.* builtins the module delegates. Patterns are Go RE2 syntax; JavaScript's engine is used
 * with the `u` flag after rejecting constructs RE2 lacks (backreferences, lookaround), so a
 * pattern that would be an error in OPA is an error here too.
 */
import { int, str } from "./args.js";
import { fail } from "./errors.js";
import type { BuiltinFamily } from "./registry.js";

const cache = new Map<string, RegExp>();

export function compileRe2(pattern: string, flags = ""): RegExp {
  const key = `${flags}/${pattern}`;
  let re = cache.get(key);
  if (re) return re;
  if (/\\[1-9]|\(\?[=!<]|\(\?<[=!]/.test(pattern))
    fail(`error parsing regexp: invalid or unsupported Perl syntax in ${JSON.stringify(pattern)}`);
  let src = pattern.replace(/\(\?P</g, "(?<").replace(/\\z/g, "$(?![\\s\\S])");
  let f = `u${flags}`;
  const inline = /^\(\?([imsU]+)\)/.exec(src);
  if (inline?.[1]) {
    for (const c of inline[1]) if (c !== "U" && !f.includes(c)) f += c;
    src = src.slice(inline[0].length);
  }
  try {
    re = new RegExp(src, f);
  } catch (e) {
    return fail(`error parsing regexp: ${(e as Error).message}`);
  }
  if (cache.size > 1000) cache.clear();
  cache.set(key, re);
  return re;
}

/** Go's regexp ReplaceAllString: $1, ${name}, $$ in the replacement. */
function replaceAll(s: string, pattern: string, repl: string): string {
  const re = compileRe2(pattern, "g");
  const jsRepl = repl.replace(
    /\$\$|\$\{(\w+)\}|\$(\w+)/g,
    (m, braced: string | undefined, bare: string | undefined) => {
      if (m === "$$") return "$$";
      const name = braced ?? bare ?? "";
      return /^\d+$/.test(name) ? `$${name}` : `$<${name}>`;
    },
  );
  return s.replace(re, jsRepl);
}

/** regex.template_match: the template holds regexps between delimiters; literal text elsewhere. */
function templateMatch(template: string, value: string, open: string, close: string): boolean {
  let src = "^";
  let i = 0;
  while (i < template.length) {
    const start = template.indexOf(open, i);
    if (start < 0) {
      src += escapeLiteral(template.slice(i));
      break;
    }
    src += escapeLiteral(template.slice(i, start));
    let depth = 0;
    let j = start;
    for (; j < template.length; j++) {
      if (template.startsWith(open, j)) depth++;
      else if (template.startsWith(close, j)) {
        depth--;
        if (depth === 0) break;
      }
    }
    if (j >= template.length) fail(`unbalanced braces in template ${JSON.stringify(template)}`);
    src += `(?:${template.slice(start + open.length, j)})`;
    i = j + close.length;
  }
  return compileRe2(`${src}$`).test(value);
}

function escapeLiteral(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

/** regex.globs_match: do two glob-like regexps (., *, +, ?, [], literals) match a common string? */
function globsMatch(a: string, b: string): boolean {
  const ta = tokens(a);
  const tb = tokens(b);
  // Intersection of the two automata: a state is a position in each pattern.
  const seen = new Set<string>();
  const stack: [number, number][] = [[0, 0]];
  while (stack.length > 0) {
    const [i, j] = stack.pop() as [number, number];
    const key = `${i},${j}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const x = ta[i];
    const y = tb[j];
    if (!x && !y) return true;
    if (x && (x.rep === "?" || x.rep === "*")) stack.push([i + 1, j]);
    if (y && (y.rep === "?" || y.rep === "*")) stack.push([i, j + 1]);
    if (x && y && overlap(x.set, y.set)) {
      const is = x.rep === "*" || x.rep === "+" ? [i, i + 1] : [i + 1];
      const js = y.rep === "*" || y.rep === "+" ? [j, j + 1] : [j + 1];
      for (const a of is) for (const b of js) stack.push([a, b]);
    }
  }
  return false;
}

type CharSet = { any: true } | { any: false; chars: string[]; ranges: [number, number][]; negate: boolean };
interface Tok {
  set: CharSet;
  rep: "1" | "?" | "*" | "+";
}

function tokens(p: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < p.length) {
    let set: CharSet;
    const c = p[i] ?? "";
    if (c === ".") {
      set = { any: true };
      i++;
    } else if (c === "[") {
      const end = p.indexOf("]", i + 2);
      if (end < 0) fail(`invalid glob pattern ${JSON.stringify(p)}`);
      let body = p.slice(i + 1, end);
      const negate = body.startsWith("^");
      if (negate) body = body.slice(1);
      const chars: string[] = [];
      const ranges: [number, number][] = [];
      for (let k = 0; k < body.length; k++) {
        if (body[k + 1] === "-" && k + 2 < body.length) {
          ranges.push([body.charCodeAt(k), body.charCodeAt(k + 2)]);
          k += 2;
        } else chars.push(body[k] ?? "");
      }
      set = { any: false, chars, ranges, negate };
      i = end + 1;
    } else if (c === "\\") {
      set = { any: false, chars: [p[i + 1] ?? ""], ranges: [], negate: false };
      i += 2;
    } else {
      set = { any: false, chars: [c], ranges: [], negate: false };
      i++;
    }
    const r = p[i];
    let rep: Tok["rep"] = "1";
    if (r === "*" || r === "+" || r === "?") {
      rep = r;
      i++;
    }
    out.push({ set, rep });
  }
  return out;
}

function member(s: CharSet, ch: number): boolean {
  if (s.any) return true;
  const inSet = s.chars.some((c) => c.charCodeAt(0) === ch) || s.ranges.some(([a, b]) => ch >= a && ch <= b);
  return s.negate ? !inSet : inSet;
}

function overlap(a: CharSet, b: CharSet): boolean {
  if (a.any || b.any) return true;
  for (let ch = 0; ch < 0x80; ch++) if (member(a, ch) && member(b, ch)) return true;
  return a.negate && b.negate;
}

export const regex: BuiltinFamily = {
  "regex.replace": (s, pattern, repl) => replaceAll(str(s, 1), str(pattern, 2), str(repl, 3)),
  "regex.template_match": (template, value, open, close) =>
    templateMatch(str(template, 1), str(value, 2), str(open, 3), str(close, 4)),
  "regex.globs_match": (a, b) => globsMatch(str(a, 1), str(b, 2)),
  "regex.split": (pattern, s) => str(s, 2).split(compileRe2(str(pattern, 1))),
  "regex.find_n": (pattern, s, n) => {
    const all = [...str(s, 2).matchAll(compileRe2(str(pattern, 1), "g"))].map((m) => m[0]);
    const k = int(n, 3);
    return k < 0 ? all : all.slice(0, k);
  },
  "glob.quote_meta": (s) => str(s, 1).replace(/[*?\\[\]{}]/g, "\\$&"),
  "strings.render_template": () => fail("strings.render_template is not supported by this host"),
};
