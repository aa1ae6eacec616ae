/**
 * Rego abstract syntax tree.
 *
 * Produced by src/rego/syntax (parser), transformed in place or copied by src/rego/check
 * (resolution, rewriting, safety reordering, checks), consumed by src/rego/plan.
 *
 * Conventions (same as OPA's AST, so that the usual Rego vocabulary applies):
 * - Infix operators are calls: `a + b` is call(plus, a, b); `a = b` is call(eq, a, b);
 *   `a := b` is call(assign, a, b); `a == b` is call(equal, a, b); `x in xs` is
 *   call(internal.member_2, x, xs); `k, v in xs` is call(internal.member_3, k, v, xs).
 * - A call's operator is a ref of vars/strings naming the function: `count` is
 *   ref[var count]; `time.now_ns` is ref[var time, string "now_ns"];
 *   `data.lib.f` is ref[var data, string lib, string f].
 * - Numbers keep their source text (arbitrary precision); the code generator decides the
 *   representation.
 */

export interface Location {
  file: string;
  row: number; // 1-based
  col: number; // 1-based
}

export type Term =
  | { type: "null"; loc: Location }
  | { type: "boolean"; value: boolean; loc: Location }
  | { type: "number"; value: string; loc: Location } // JSON number text, e.g. "1", "1.5", "1e400"
  | { type: "string"; value: string; loc: Location }
  | { type: "var"; name: string; loc: Location }
  | { type: "ref"; terms: Term[]; loc: Location } // terms[0]: var (or array/object/set/call term); rest: keys
  | { type: "array"; items: Term[]; loc: Location }
  | { type: "object"; items: [Term, Term][]; loc: Location }
  | { type: "set"; items: Term[]; loc: Location }
  | { type: "call"; op: Term; args: Term[]; loc: Location } // op is a ref term
  | { type: "arraycomp"; term: Term; body: Body; loc: Location }
  | { type: "setcomp"; term: Term; body: Body; loc: Location }
  | { type: "objectcomp"; key: Term; value: Term; body: Body; loc: Location };

export type TermType = Term["type"];

export interface With {
  target: Term; // ref: input..., data..., or a function/builtin name
  value: Term;
  loc: Location;
}

export type ExprKind =
  /** A single term (or a call term used as a statement). */
  | { type: "term"; term: Term }
  /**
   * A call used as a statement. `args` may include a trailing output argument after the
   * check stage's rewriting: `plus(a, b, x)` binds x to a + b.
   */
  | { type: "call"; op: Term; args: Term[] }
  /** `some x, y` (declaration only). */
  | { type: "some"; vars: Term[] }
  /** `some x in xs`, `some k, v in xs`: key is undefined for the one-variable form. */
  | { type: "somein"; key?: Term; value: Term; domain: Term }
  /** `every x in xs { body }`, `every k, v in xs { body }`. */
  | { type: "every"; key?: Term; value: Term; domain: Term; body: Body };

export interface Expr {
  kind: ExprKind;
  negated: boolean;
  with: With[];
  loc: Location;
  /** Set by rewriting passes for expressions that did not appear in the source. */
  generated?: boolean;
}

export type Body = Expr[];

export interface RuleHead {
  /**
   * The rule's name as a ref relative to the package: `p` is [var p];
   * `a.b[x]` (ref head) is [var a, string b, var x].
   */
  ref: Term[];
  /** Function arguments, when the rule is a function. */
  args?: Term[];
  /** Partial set: `p contains x` has key x and no value. Old-style `p[k] = v`: key k, value v. */
  key?: Term;
  value?: Term;
  /** `:=` was used. */
  assign: boolean;
  /** `contains` was used. */
  contains: boolean;
  loc: Location;
}

export type RuleKind = "complete" | "partialSet" | "partialObject" | "function" | "multiValue";

export interface Rule {
  default: boolean;
  head: RuleHead;
  body: Body;
  /** Next rule of an else chain. Its head.ref equals this head's ref. */
  else?: Rule;
  loc: Location;
  /** Filled by the check stage. */
  kind?: RuleKind;
  /** Absolute path under data, filled by the check stage: ["envoy","authz","allow"]. */
  path?: string[];
}

export interface Import {
  path: Term; // ref: data.x.y, input.z, future.keywords..., rego.v1
  alias?: string;
  loc: Location;
}

export interface Module {
  file: string;
  /** Package path without the leading data: `package envoy.authz` -> ["envoy","authz"]. */
  package: string[];
  packageLoc: Location;
  imports: Import[];
  rules: Rule[];
  /** `# METADATA` comment blocks, attached to the package or to a rule (absent: none). */
  annotations?: Annotation[];
}

/** A JSON value (annotation contents). */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/**
 * One `# METADATA` block (OPA's annotations). `value` is the object rego.metadata.rule() returns
 * for it (scope always set; empty fields left out). A rule or document scope names the rule it
 * precedes by its index in Module.rules.
 */
export type Annotation =
  | { scope: "package" | "subpackages"; value: { [key: string]: JsonValue }; loc: Location }
  | { scope: "rule" | "document"; rule: number; value: { [key: string]: JsonValue }; loc: Location };

export interface SourceFile {
  path: string;
  text: string | Uint8Array;
}

/** A compile error in OPA's style: code, message and location. */
export interface RegoError {
  code:
    | "rego_parse_error"
    | "rego_compile_error"
    | "rego_unsafe_var_error"
    | "rego_recursion_error"
    | "rego_type_error";
  message: string;
  location: Location;
}

/**
 * The check stage's output and the planner's input.
 *
 * Guarantees (established by src/rego/check, relied upon by src/rego/plan):
 * 1. Every ref is resolved: rule names and imports are expanded to full refs rooted at the var
 *    `data` or `input` (`allow` in package envoy.authz -> data.envoy.authz.allow;
 *    `import input.attributes as a` expanded), or rooted at a local var, or it is a call operator
 *    naming a builtin (ref of var + strings, e.g. time.now_ns) or a user function (data.pkg.f).
 * 2. Local variables are renamed to names unique within the module set (e.g. `__local3__`),
 *    wildcards `_` to unique names (e.g. `$_7`), so that the planner never needs scoping rules.
 *    Names starting with `__local` or `$` are compiler-generated.
 * 3. Nested calls and other dynamic terms are flattened into their own expressions with an
 *    output var: `x := count(y) + 1` becomes `count(y, __local1__)`, `plus(__local1__, 1,
 *    __local2__)`, `assign(x, __local2__)`. A call expression's args include its output var
 *    last when it has one. Calls remaining inside an expression kind "term" are relations used
 *    as tests (their result must be neither false nor undefined).
 * 4. Every body (rule bodies, else bodies, comprehension bodies, `every` bodies, negated
 *    expressions) is reordered so that each expression only needs variables bound by earlier
 *    expressions (OPA's safety reordering); unsafe variables are compile errors.
 * 5. `some x in xs` / `every` keep their own expression kinds; `x in xs` in a body is
 *    internal.member_2.
 * 6. Rules are grouped by path; kinds are set and consistent (conflicting kinds, several
 *    defaults, arity mismatches and recursion are compile errors); `else` chains are attached.
 */
export interface CheckedProgram {
  modules: Module[];
  /** Rules by absolute path joined with "." (e.g. "envoy.authz.allow"), in source order. */
  rules: Map<string, Rule[]>;
  /** Names of all functions called (builtins by Rego name, user functions by path). */
  calledBuiltins: Set<string>;
}
