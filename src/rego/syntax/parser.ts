import type {
  Body,
  Expr,
  ExprKind,
  Import,
  Location,
  Module,
  Rule,
  RuleHead,
  Term,
  With,
} from "../ast/types.js";
import { RegoCompileError } from "../errors.js";
import { parseError } from "./errors.js";
import { type Statement, readAnnotations } from "./annotations.js";
import { type Comment, tokenize } from "./lexer.js";
import { parseTemplate } from "./template.js";
import { mk } from "./terms.js";
import { KEYWORDS, type Token } from "./tokens.js";

/** Deepest accepted nesting of terms, bodies and parentheses: deeper input is a parse error. */
export const MAX_NESTING = 400;
/** Bound on `k, v in xs` trial parses, so that no input makes the parser exponential. */
const MAX_BACKTRACKS = 10_000;

const RELATIONS: Record<string, string> = {
  "==": "equal",
  "!=": "neq",
  "<": "lt",
  "<=": "lte",
  ">": "gt",
  ">=": "gte",
};

/**
 * Recursive-descent parser for Rego v1. Newlines end an expression inside bodies (rule bodies,
 * comprehension bodies, `every` bodies) unless they follow an operator; inside parentheses,
 * brackets and object/set literals they are whitespace.
 */
export class Parser {
  private readonly toks: Token[];
  private pos = 0;
  private depth = 0;
  private backtracks = 0;
  /** Top: newlines terminate expressions here. */
  private readonly nlStack: boolean[] = [false];
  /** Comments of a whole module (not kept for nested template-expression parsers). */
  private readonly comments: Comment[] = [];

  constructor(
    text: string,
    private readonly file: string,
    base?: Location,
  ) {
    this.toks = tokenize(text, file, base ? undefined : this.comments);
    if (base) {
      for (const t of this.toks) {
        if (t.row === 1) t.col += base.col - 1;
        t.row += base.row - 1;
      }
    }
  }

  // ---------- token helpers ----------
  private get tok(): Token {
    return this.toks[this.pos]!;
  }
  private peek(k = 1): Token {
    return this.toks[Math.min(this.pos + k, this.toks.length - 1)]!;
  }
  private next(): Token {
    const t = this.tok;
    if (this.pos < this.toks.length - 1) this.pos++;
    return t;
  }
  loc(t: Token = this.tok): Location {
    return { file: this.file, row: t.row, col: t.col };
  }
  private isP(v: string, t: Token = this.tok): boolean {
    return t.kind === "punct" && t.value === v;
  }
  /** The keyword v used as a keyword (not as the head of a ref such as `in.foo`). */
  private isKw(v: string, t: Token = this.tok): boolean {
    return t.kind === "ident" && t.value === v && !(t === this.tok && this.kwAsRefHead());
  }
  /** A keyword directly followed by `.name` is the head of a ref (OPA 1.x: `if.x := 1`, `data.foo.in`). */
  private kwAsRefHead(): boolean {
    const dot = this.peek(1);
    const name = this.peek(2);
    return dot.kind === "punct" && dot.value === "." && !dot.ws && name.kind === "ident" && !name.ws;
  }
  /** A keyword usable as a name here: a ref head, or a builtin name called directly (`contains(`). */
  private kwAsName(t: Token): boolean {
    if (t !== this.tok) return false;
    if (this.kwAsRefHead()) return true;
    const open = this.peek(1);
    return t.value === "contains" && open.kind === "punct" && open.value === "(" && !open.ws;
  }
  /** True when the current token may continue the expression (no significant newline before it). */
  private cont(): boolean {
    return !(this.nlStack[this.nlStack.length - 1] && this.tok.nl);
  }
  private describe(t: Token): string {
    if (t.kind === "eof") return "unexpected eof token";
    if (t.kind === "ident")
      return KEYWORDS.has(t.value) ? `unexpected ${t.value} keyword` : `unexpected ident token`;
    if (t.kind === "punct") return `unexpected ${t.value} token`;
    return `unexpected ${t.kind} token`;
  }
  private fail(t: Token, expected?: string): never {
    throw parseError(this.loc(t), expected ? `${this.describe(t)}: expected ${expected}` : this.describe(t));
  }
  private expectP(v: string): Token {
    if (!this.isP(v)) this.fail(this.tok, v);
    return this.next();
  }
  private enter(t: Token): void {
    if (++this.depth > MAX_NESTING) {
      throw parseError(this.loc(t), `nesting too deep (more than ${MAX_NESTING} levels)`);
    }
  }
  private leave(): void {
    this.depth--;
  }
  private withNl<T>(significant: boolean, f: () => T): T {
    this.nlStack.push(significant);
    try {
      return f();
    } finally {
      this.nlStack.pop();
    }
  }
  atEof(): boolean {
    return this.tok.kind === "eof";
  }
  expectEof(): void {
    if (!this.atEof()) this.fail(this.tok);
  }

  // ---------- module ----------
  parseModule(): Module {
    if (this.atEof()) throw parseError(this.loc(), "empty module");
    if (!this.isKw("package")) this.fail(this.tok, "package");
    const pkgTok = this.next();
    const path = this.parseStaticRef("package");
    if (path[0] === "data" || path[0] === "input") {
      // `package data.x` is accepted by OPA as `package x` only for data; keep it simple: reject input.
      if (path[0] === "input") throw parseError(this.loc(pkgTok), "package must not start with input");
    }
    const pkg = path[0] === "data" ? path.slice(1) : path;
    if (pkg.length === 0) throw parseError(this.loc(pkgTok), "package path must not be empty");
    const imports: Import[] = [];
    const rules: Rule[] = [];
    while (!this.atEof()) {
      if (this.isKw("import")) {
        if (rules.length > 0) throw parseError(this.loc(), "import must come before rules");
        imports.push(this.parseImport());
        continue;
      }
      if (this.isKw("package"))
        throw parseError(this.loc(), "unexpected package keyword: one package per module");
      rules.push(this.parseRule());
      if (!this.atEof() && !this.tok.nl && !this.isP(";")) this.fail(this.tok, "end of line after rule");
      while (this.isP(";")) this.next();
    }
    const module: Module = { file: this.file, package: pkg, packageLoc: this.loc(pkgTok), imports, rules };
    const statements: Statement[] = [
      { kind: "package", row: pkgTok.row },
      ...imports.map((i): Statement => ({ kind: "import", row: i.loc.row })),
      ...rules.map((r, i): Statement => ({ kind: "rule", row: r.loc.row, rule: i })),
    ];
    const annotations = readAnnotations(this.comments, statements, this.file);
    if (annotations.length > 0) module.annotations = annotations;
    return module;
  }

  /** `a.b["c"]` with static keys only (package and import paths). */
  private parseStaticRef(what: string): string[] {
    const first = this.tok;
    if (first.kind !== "ident" || (KEYWORDS.has(first.value) && what === "package"))
      this.fail(first, `${what} path`);
    this.next();
    const parts = [first.value];
    for (;;) {
      if (this.isP(".") && !this.tok.ws) {
        this.next();
        const t = this.tok;
        if (t.kind !== "ident" || t.ws) this.fail(t, "name after .");
        this.next();
        parts.push(t.value);
      } else if (this.isP("[") && !this.tok.ws) {
        this.next();
        const t = this.tok;
        if (t.kind !== "string" && t.kind !== "rawstring") this.fail(t, "string key");
        this.next();
        parts.push(t.value);
        this.expectP("]");
      } else {
        return parts;
      }
    }
  }

  private parseImport(): Import {
    const start = this.next();
    const loc = this.loc(start);
    const pathStart = this.tok;
    const parts = this.parseStaticRef("import");
    const head = parts[0]!;
    if (!["data", "input", "future", "rego"].includes(head)) {
      throw parseError(
        this.loc(pathStart),
        `invalid import path: path must begin with input, future, data or rego`,
      );
    }
    const pl = this.loc(pathStart);
    const path = mk.ref([mk.var(head, pl), ...parts.slice(1).map((p) => mk.str(p, pl))], pl);
    let alias: string | undefined;
    if (this.isKw("as") && !this.tok.nl) {
      this.next();
      const a = this.tok;
      if (a.kind !== "ident" || KEYWORDS.has(a.value)) this.fail(a, "alias name");
      this.next();
      alias = a.value;
    }
    if (!this.atEof() && !this.tok.nl && !this.isP(";")) this.fail(this.tok, "end of line after import");
    while (this.isP(";")) this.next();
    return alias === undefined ? { path, loc } : { path, alias, loc };
  }

  // ---------- rules ----------
  private parseRule(): Rule {
    const start = this.tok;
    const loc = this.loc(start);
    const isDefault = this.isKw("default");
    if (isDefault) this.next();
    const ref = this.parseHeadRef();
    let args: Term[] | undefined;
    if (this.isP("(") && !this.tok.nl) {
      args = this.parseArgs();
      if (args.length === 0)
        throw parseError(this.loc(start), "rule argument list must take at least one argument");
    }
    const head: RuleHead = { ref, assign: false, contains: false, loc };
    if (args) head.args = args;
    if (isDefault) {
      if (!this.isP(":=") && !this.isP("=")) this.fail(this.tok, ":= or = after default rule name");
      head.assign = this.next().value === ":=";
      head.value = this.withNl(true, () => this.parseTermIn(false));
      if (this.isKw("if") || this.isP("{"))
        throw parseError(this.loc(), "default rules must not have a body");
      this.checkDefaultValue(head.value);
      return { default: true, head, body: [trueExpr(loc)], loc };
    }
    if (this.isKw("contains") && !this.tok.nl) {
      if (args) this.fail(this.tok);
      this.next();
      head.contains = true;
      head.key = this.withNl(true, () => this.parseTermIn(false));
    } else if ((this.isP(":=") || this.isP("=")) && !this.tok.nl) {
      head.assign = this.next().value === ":=";
      head.value = this.withNl(true, () => this.parseTermIn(false));
    }
    if (!head.contains && ref.length === 2 && ref[1]!.type !== "string" && head.value !== undefined) {
      head.key = ref[1]!;
    }
    let body: Body;
    const hasBody = this.isKw("if") && !this.tok.nl;
    if (hasBody) {
      this.next();
      body = this.parseRuleBody();
    } else {
      if (this.isP("{")) throw parseError(this.loc(), "`if` keyword is required before rule body");
      if (head.value === undefined && !head.contains) {
        throw parseError(
          this.loc(this.tok),
          `${this.describe(this.tok)}: expected := or = or if or contains after rule head`,
        );
      }
      body = [trueExpr(loc)];
    }
    if (head.value === undefined && !head.contains) head.value = mk.bool(true, loc);
    const rule: Rule = { default: false, head, body, loc };
    let last = rule;
    while (this.isKw("else")) {
      if (head.contains) throw parseError(this.loc(), "else keyword cannot be used on multi-value rules");
      if (ref.length > 1 && ref.slice(1).some((t) => t.type !== "string")) {
        throw parseError(this.loc(), "else keyword cannot be used on rules with variables in head");
      }
      last.else = this.parseElse(head);
      last = last.else;
    }
    return rule;
  }

  private checkDefaultValue(v: Term): void {
    const bad = findNonGround(v);
    if (bad) throw parseError(bad.loc, "default rule value cannot contain variables, references or calls");
  }

  private parseElse(primary: RuleHead): Rule {
    const start = this.next();
    const loc = this.loc(start);
    const head: RuleHead = { ref: primary.ref.map(cloneTerm), assign: false, contains: false, loc };
    if (primary.args) head.args = primary.args.map(cloneTerm);
    if ((this.isP(":=") || this.isP("=")) && !this.tok.nl) {
      head.assign = this.next().value === ":=";
      head.value = this.withNl(true, () => this.parseTermIn(false));
    } else {
      head.value = mk.bool(true, loc);
    }
    let body: Body;
    if (this.isKw("if") && !this.tok.nl) {
      this.next();
      body = this.parseRuleBody();
    } else {
      if (this.isP("{")) throw parseError(this.loc(), "`if` keyword is required before rule body");
      body = [trueExpr(loc)];
    }
    return { default: false, head, body, loc };
  }

  /** Rule name: var followed by `.name` / `[term]` (ref head). */
  private parseHeadRef(): Term[] {
    const t = this.tok;
    if (t.kind !== "ident" || (KEYWORDS.has(t.value) && !this.kwAsName(t))) this.fail(t, "rule name");
    this.next();
    const terms: Term[] = [mk.var(t.value, this.loc(t))];
    for (;;) {
      if (this.isP(".") && !this.tok.ws) {
        this.next();
        const n = this.tok;
        if (n.kind !== "ident" || n.ws) this.fail(n, "name after .");
        this.next();
        terms.push(mk.str(n.value, this.loc(n)));
      } else if (this.isP("[") && !this.tok.ws) {
        const open = this.next();
        this.enter(open);
        terms.push(this.withNl(false, () => this.parseTermIn(false)));
        this.expectP("]");
        this.leave();
      } else {
        return terms;
      }
    }
  }

  private parseArgs(): Term[] {
    const open = this.next();
    this.enter(open);
    const args = this.withNl(false, () => {
      const out: Term[] = [];
      while (!this.isP(")")) {
        out.push(this.parseTermIn(false));
        if (!this.isP(",")) break;
        this.next();
      }
      return out;
    });
    this.expectP(")");
    this.leave();
    return args;
  }

  /** After `if`: a braced body or a single literal. */
  private parseRuleBody(): Body {
    if (this.isP("{")) {
      // Usually a braced body; `if {x: 1 | ...}` (a comprehension literal) is a one-literal body.
      const saved = this.pos;
      const savedDepth = this.depth;
      try {
        const open = this.next();
        return this.parseQuery("}", open);
      } catch (e) {
        if (!(e instanceof RegoCompileError) || ++this.backtracks > MAX_BACKTRACKS) throw e;
        this.pos = saved;
        this.depth = savedDepth;
        let lit: Expr;
        try {
          lit = this.withNl(true, () => this.parseLiteral());
        } catch {
          throw e;
        }
        const k = lit.kind;
        const first = k.type === "term" ? k.term : k.type === "call" ? k.args[0] : undefined;
        if (!first || first.type === "object" || first.type === "set") throw e;
        return [lit];
      }
    }
    return this.withNl(true, () => [this.parseLiteral()]);
  }

  /** Literals separated by newlines or `;` up to the closing punctuation (consumed). */
  parseQuery(close: string, open: Token): Body {
    this.enter(open);
    const body = this.withNl(true, () => {
      const out: Body = [];
      while (this.isP(";")) this.next();
      if (this.isP(close)) throw parseError(this.loc(open), "found empty body");
      for (;;) {
        out.push(this.parseLiteral());
        let sep = false;
        while (this.isP(";")) {
          this.next();
          sep = true;
        }
        if (this.isP(close)) break;
        if (!sep && !this.tok.nl) this.fail(this.tok, `\\n or ; or ${close}`);
      }
      return out;
    });
    this.expectP(close);
    this.leave();
    return body;
  }

  /** A whole query (conformance `query`): literals separated by newlines or `;`. */
  parseTopQuery(): Body {
    return this.withNl(true, () => {
      const out: Body = [];
      while (this.isP(";")) this.next();
      if (this.atEof()) throw parseError(this.loc(), "empty query");
      for (;;) {
        out.push(this.parseLiteral());
        let sep = false;
        while (this.isP(";")) {
          this.next();
          sep = true;
        }
        if (this.atEof()) return out;
        if (!sep && !this.tok.nl) this.fail(this.tok, "\\n or ;");
      }
    });
  }

  // ---------- literals ----------
  parseLiteral(): Expr {
    const start = this.tok;
    const loc = this.loc(start);
    let kind: ExprKind;
    let negated = false;
    if (this.isKw("some")) {
      kind = this.parseSome();
    } else if (this.isKw("every")) {
      kind = this.parseEvery();
    } else {
      if (this.isKw("not")) {
        this.next();
        negated = true;
      }
      if (negated && this.isP("{")) {
        // `not { body }` (OPA 1.x not-body): true when the body has no solution. Expressed with
        // existing constructs as `[true | body] == []`, which scopes the body like a comprehension.
        const open = this.next();
        const body = this.parseQuery("}", open);
        const comp: Term = { type: "arraycomp", term: mk.bool(true, loc), body, loc };
        kind = { type: "call", op: mk.op("equal", loc), args: [comp, { type: "array", items: [], loc }] };
        negated = false;
      } else {
        kind = this.parseExprKind();
      }
    }
    const withs: With[] = [];
    while (this.isKw("with")) {
      if (kind.type === "some")
        throw parseError(this.loc(), "with keyword cannot be used on some declarations");
      const w = this.next();
      const target = this.withNl(false, () => this.parseTerm());
      if (!this.isKw("as")) this.fail(this.tok, "as");
      this.next();
      const value = this.withNl(true, () => this.parseTermIn(false));
      withs.push({ target, value, loc: this.loc(w) });
    }
    return { kind, negated, with: withs, loc };
  }

  private parseExprKind(): ExprKind {
    const lhs = this.parseTermIn(false, true);
    if ((this.isP(":=") || this.isP("=")) && this.cont()) {
      const op = this.next();
      const rhs = this.parseTermIn(false);
      return { type: "call", op: mk.op(op.value === ":=" ? "assign" : "eq", this.loc(op)), args: [lhs, rhs] };
    }
    if (lhs.type === "call") return { type: "call", op: lhs.op, args: lhs.args };
    return { type: "term", term: lhs };
  }

  private parseSome(): ExprKind {
    const kw = this.next();
    const first = this.parseRelation(false);
    if (this.isP(",") && this.cont()) {
      this.next();
      const second = this.parseRelation(false);
      if (this.isKw("in") && this.cont()) {
        this.next();
        const domain = this.parseRelation(false);
        return { type: "somein", key: first, value: second, domain };
      }
      const vars = [first, second];
      while (this.isP(",") && this.cont()) {
        this.next();
        vars.push(this.parseRelation(false));
      }
      for (const v of vars) if (v.type !== "var") throw parseError(v.loc, "expected var in some declaration");
      return { type: "some", vars };
    }
    if (this.isKw("in") && this.cont()) {
      this.next();
      const domain = this.parseRelation(false);
      return { type: "somein", value: first, domain };
    }
    if (first.type !== "var") throw parseError(this.loc(kw), "expected var or `x in xs` after some");
    return { type: "some", vars: [first] };
  }

  private parseEvery(): ExprKind {
    const kw = this.next();
    const first = this.parseRelation(false);
    let key: Term | undefined;
    let value = first;
    if (this.isP(",") && this.cont()) {
      this.next();
      key = first;
      value = this.parseRelation(false);
    }
    if (!this.isKw("in")) this.fail(this.tok, "in after every variables");
    this.next();
    for (const v of key ? [key, value] : [value]) {
      if (v.type !== "var") throw parseError(v.loc, "every: expected var");
    }
    const domain = this.parseRelation(false);
    if (!this.isP("{")) this.fail(this.tok, "{ to start the every body");
    const open = this.next();
    const body = this.parseQuery("}", open);
    void kw;
    return key ? { type: "every", key, value, domain, body } : { type: "every", value, domain, body };
  }

  // ---------- terms (precedence climbing as OPA: in < relation < | < & < +- < */% < unary) ----------
  parseTermIn(noOr: boolean, keyVal = false): Term {
    let lhs = this.parseRelation(noOr);
    if (keyVal && this.isP(",") && this.cont()) {
      // `k, v in xs` (internal.member_3): try it, fall back if it is not followed by `in`.
      const saved = this.pos;
      const savedDepth = this.depth;
      if (++this.backtracks > MAX_BACKTRACKS) throw parseError(this.loc(), "expression too complex");
      let mhs: Term | undefined;
      try {
        this.next();
        mhs = this.parseRelation(noOr);
      } catch (e) {
        if (!(e instanceof RegoCompileError)) throw e;
        mhs = undefined;
      }
      if (mhs && this.isKw("in") && this.cont()) {
        const op = this.next();
        const rhs = this.parseRelation(noOr);
        lhs = {
          type: "call",
          op: mk.op("internal.member_3", this.loc(op)),
          args: [lhs, mhs, rhs],
          loc: lhs.loc,
        };
      } else {
        this.pos = saved;
        this.depth = savedDepth;
      }
    }
    while (this.isKw("in") && this.cont()) {
      const op = this.next();
      const rhs = this.parseRelation(noOr);
      lhs = { type: "call", op: mk.op("internal.member_2", this.loc(op)), args: [lhs, rhs], loc: lhs.loc };
    }
    return lhs;
  }

  private parseRelation(noOr: boolean): Term {
    let lhs = this.parseOr(noOr);
    while (this.tok.kind === "punct" && this.tok.value in RELATIONS && this.cont()) {
      const op = this.next();
      const rhs = this.parseOr(noOr);
      lhs = { type: "call", op: mk.op(RELATIONS[op.value]!, this.loc(op)), args: [lhs, rhs], loc: lhs.loc };
    }
    return lhs;
  }

  private parseOr(noOr: boolean): Term {
    let lhs = this.parseAnd();
    while (!noOr && this.isP("|") && this.cont()) {
      const op = this.next();
      const rhs = this.parseAnd();
      lhs = { type: "call", op: mk.op("or", this.loc(op)), args: [lhs, rhs], loc: lhs.loc };
    }
    return lhs;
  }

  private parseAnd(): Term {
    let lhs = this.parseArith();
    while (this.isP("&") && this.cont()) {
      const op = this.next();
      const rhs = this.parseArith();
      lhs = { type: "call", op: mk.op("and", this.loc(op)), args: [lhs, rhs], loc: lhs.loc };
    }
    return lhs;
  }

  private parseArith(): Term {
    let lhs = this.parseFactor();
    while ((this.isP("+") || this.isP("-")) && this.cont()) {
      const op = this.next();
      const rhs = this.parseFactor();
      const name = op.value === "+" ? "plus" : "minus";
      lhs = { type: "call", op: mk.op(name, this.loc(op)), args: [lhs, rhs], loc: lhs.loc };
    }
    return lhs;
  }

  private parseFactor(): Term {
    let lhs = this.parseUnary();
    while ((this.isP("*") || this.isP("/") || this.isP("%")) && this.cont()) {
      const op = this.next();
      const rhs = this.parseUnary();
      const name = op.value === "*" ? "mul" : op.value === "/" ? "div" : "rem";
      lhs = { type: "call", op: mk.op(name, this.loc(op)), args: [lhs, rhs], loc: lhs.loc };
    }
    return lhs;
  }

  private parseUnary(): Term {
    if (this.isP("-")) {
      const minus = this.next();
      const loc = this.loc(minus);
      if (this.tok.kind === "number" && !this.tok.ws) {
        const n = this.next();
        return this.parsePostfix(mk.num(`-${n.value}`, loc));
      }
      this.enter(minus);
      const operand = this.parseUnary();
      this.leave();
      return { type: "call", op: mk.op("minus", loc), args: [mk.num("0", loc), operand], loc };
    }
    return this.parseTerm();
  }

  /** A primary term followed by ref segments and call parentheses. */
  parseTerm(): Term {
    return this.parsePostfix(this.parsePrimary());
  }

  private parsePostfix(term: Term): Term {
    for (;;) {
      if (!this.cont()) return term;
      if (this.isP(".") && !this.tok.ws) {
        this.next();
        const n = this.tok;
        if (n.kind !== "ident" || n.ws) this.fail(n, "name after .");
        this.next();
        term = appendRef(term, mk.str(n.value, this.loc(n)));
      } else if (this.isP("[") && !this.tok.ws) {
        const open = this.next();
        this.enter(open);
        const key = this.withNl(false, () => this.parseTermIn(false));
        this.expectP("]");
        this.leave();
        term = appendRef(term, key);
      } else if (this.isP("(") && !this.tok.ws && isCallable(term)) {
        const args = this.parseArgs();
        const op = term.type === "var" ? mk.ref([term], term.loc) : term;
        if (op.type === "ref" && op.terms.length === 1 && op.terms[0]!.type === "var") {
          const name = (op.terms[0] as { name: string }).name;
          if (name === "set" && args.length === 0) {
            term = { type: "set", items: [], loc: term.loc };
            continue;
          }
        }
        term = { type: "call", op, args, loc: term.loc };
      } else {
        return term;
      }
    }
  }

  private parsePrimary(): Term {
    const t = this.tok;
    const loc = this.loc(t);
    switch (t.kind) {
      case "number":
        this.next();
        return mk.num(t.value, loc);
      case "string":
      case "rawstring":
        this.next();
        return mk.str(t.value, loc);
      case "template":
        this.next();
        this.enter(t);
        try {
          return parseTemplate(t, loc, this.file, (text, base) => {
            const p = new Parser(text, this.file, base);
            p.depth = this.depth;
            const expr = p.withNl(false, () => p.parseLiteral());
            p.expectEof();
            return expr;
          });
        } finally {
          this.leave();
        }
      case "ident":
        if (KEYWORDS.has(t.value) && this.kwAsName(t)) {
          this.next();
          return mk.var(t.value, loc);
        }
        if (t.value === "null") {
          this.next();
          return { type: "null", loc };
        }
        if (t.value === "true" || t.value === "false") {
          this.next();
          return mk.bool(t.value === "true", loc);
        }
        if (KEYWORDS.has(t.value)) this.fail(t);
        this.next();
        return mk.var(t.value, loc);
      case "punct":
        if (t.value === "[") return this.parseArray();
        if (t.value === "{") return this.parseBrace();
        if (t.value === "(") {
          const open = this.next();
          this.enter(open);
          const inner = this.withNl(false, () => this.parseTermIn(false, true));
          this.expectP(")");
          this.leave();
          return inner;
        }
        return this.fail(t);
      default:
        return this.fail(t);
    }
  }

  private parseArray(): Term {
    const open = this.next();
    const loc = this.loc(open);
    this.enter(open);
    const result = this.withNl(false, (): Term => {
      const items: Term[] = [];
      if (this.isP("]")) return { type: "array", items, loc };
      const first = this.parseTermIn(true);
      if (this.isP("|")) {
        const bar = this.next();
        const body = this.parseQuery("]", bar);
        return { type: "arraycomp", term: first, body, loc };
      }
      items.push(first);
      while (this.isP(",")) {
        this.next();
        if (this.isP("]")) break;
        items.push(this.parseTermIn(false));
      }
      return { type: "array", items, loc };
    });
    if (result.type === "array") this.expectP("]");
    this.leave();
    return result;
  }

  private parseBrace(): Term {
    const open = this.next();
    const loc = this.loc(open);
    this.enter(open);
    const result = this.withNl(false, (): Term => {
      if (this.isP("}")) return { type: "object", items: [], loc };
      const first = this.parseTermIn(true);
      if (this.isP("|")) {
        const bar = this.next();
        return { type: "setcomp", term: first, body: this.parseQuery("}", bar), loc };
      }
      if (this.isP(":")) {
        this.next();
        const value = this.parseTermIn(true);
        if (this.isP("|")) {
          const bar = this.next();
          return { type: "objectcomp", key: first, value, body: this.parseQuery("}", bar), loc };
        }
        const items: [Term, Term][] = [[first, value]];
        while (this.isP(",")) {
          this.next();
          if (this.isP("}")) break;
          const k = this.parseTermIn(false);
          this.expectP(":");
          items.push([k, this.parseTermIn(false)]);
        }
        return { type: "object", items, loc };
      }
      const items: Term[] = [first];
      while (this.isP(",")) {
        this.next();
        if (this.isP("}")) break;
        items.push(this.parseTermIn(false));
      }
      return { type: "set", items, loc };
    });
    if (result.type === "object" || result.type === "set") this.expectP("}");
    this.leave();
    return result;
  }
}

function trueExpr(loc: Location): Expr {
  return { kind: { type: "term", term: mk.bool(true, loc) }, negated: false, with: [], loc, generated: true };
}

function isCallable(t: Term): boolean {
  if (t.type === "var") return true;
  if (t.type !== "ref") return false;
  return t.terms[0]!.type === "var" && t.terms.slice(1).every((x) => x.type === "string");
}

function appendRef(term: Term, key: Term): Term {
  if (term.type === "ref") return { type: "ref", terms: [...term.terms, key], loc: term.loc };
  if (
    term.type === "var" ||
    term.type === "array" ||
    term.type === "object" ||
    term.type === "set" ||
    term.type === "call" ||
    term.type.endsWith("comp") ||
    term.type === "string"
  ) {
    return { type: "ref", terms: [term, key], loc: term.loc };
  }
  throw parseError(key.loc, `cannot index into a ${term.type}`);
}

/** First term in v that is not a constant (var, ref, call or comprehension), if any. */
function findNonGround(v: Term): Term | undefined {
  switch (v.type) {
    case "null":
    case "boolean":
    case "number":
    case "string":
      return undefined;
    case "array":
    case "set":
      for (const i of v.items) {
        const b = findNonGround(i);
        if (b) return b;
      }
      return undefined;
    case "object":
      for (const [k, x] of v.items) {
        const b = findNonGround(k) ?? findNonGround(x);
        if (b) return b;
      }
      return undefined;
    case "arraycomp":
    case "setcomp":
    case "objectcomp":
      return undefined;
    default:
      return v;
  }
}

/** Deep copy of a term (else heads share the primary's ref and args by value, not identity). */
export function cloneTerm(t: Term): Term {
  return structuredClone(t);
}
