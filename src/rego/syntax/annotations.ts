/**
 * `# METADATA` comment blocks (OPA's annotations) -> Annotation[].
 *
 * A block starts with a comment whose text is `METADATA` and goes on with the comments on the
 * following lines that start in column 1; their text (one leading space removed) is a YAML
 * mapping. The block belongs to the first statement after it: a rule (scope `rule`, or `document`
 * when `entrypoint: true`) or the package (scope `package`). An explicit scope must fit that
 * statement (`rule`/`document` on rules, `package`/`subpackages` on the package). Bad YAML, a
 * misplaced scope, a block before an import or at the end of the module are parse errors, as in
 * OPA.
 *
 * The value kept is what rego.metadata.rule() returns: scope, title, entrypoint (when true),
 * description, organizations, related_resources ({ref, description}), authors ({name, email}),
 * schemas ({path, schema} or {path, definition}), custom; empty fields left out.
 */
import { parse as parseYaml } from "yaml";
import type { Annotation, JsonValue, Location } from "../ast/types.js";
import { parseError } from "./errors.js";
import type { Comment } from "./lexer.js";

type JsonObject = { [key: string]: JsonValue };

/** The statements of a module, for attaching blocks: kind, first row, rule index. */
export interface Statement {
  kind: "package" | "import" | "rule";
  row: number;
  /** Index in Module.rules (rules only). */
  rule?: number;
}

interface Block {
  loc: Location;
  lines: string[];
  lastRow: number;
}

/** Most METADATA text read per block (a policy's documentation, not a data file). */
const MAX_BLOCK_TEXT = 64 * 1024;

export function readAnnotations(comments: Comment[], statements: Statement[], file: string): Annotation[] {
  const out: Annotation[] = [];
  for (const block of blocksOf(comments, file)) {
    const stmt = statements.find((s) => s.row > block.lastRow);
    const raw = yamlOf(block);
    out.push(annotationOf(raw, stmt, block.loc));
  }
  return out;
}

function blocksOf(comments: Comment[], file: string): Block[] {
  const blocks: Block[] = [];
  let curr: Block | undefined;
  for (const c of comments) {
    if (curr && c.row === curr.lastRow + 1 && c.col === 1) {
      curr.lines.push(c.text.startsWith(" ") ? c.text.slice(1) : c.text);
      curr.lastRow = c.row;
      continue;
    }
    curr = undefined;
    if (c.text.trim().startsWith("METADATA")) {
      curr = { loc: { file, row: c.row, col: c.col }, lines: [], lastRow: c.row };
      blocks.push(curr);
    }
  }
  return blocks;
}

function yamlOf(block: Block): JsonObject {
  const text = block.lines.join("\n");
  if (text.length > MAX_BLOCK_TEXT) throw parseError(block.loc, "METADATA block too large");
  if (text.trim() === "") throw parseError(block.loc, "expected METADATA block, found whitespace");
  let doc: unknown;
  try {
    doc = parseYaml(text, { maxAliasCount: 16, uniqueKeys: true });
  } catch (e) {
    const msg = e instanceof Error ? e.message.split("\n")[0] : String(e);
    throw parseError(block.loc, `invalid METADATA block: ${msg}`);
  }
  if (!isObject(doc)) throw parseError(block.loc, "invalid METADATA block: want a YAML mapping");
  return doc;
}

function isObject(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

const RULE_SCOPES = new Set(["rule", "document"]);
const PACKAGE_SCOPES = new Set(["package", "subpackages"]);

function annotationOf(raw: JsonObject, stmt: Statement | undefined, loc: Location): Annotation {
  const bad = (msg: string): never => {
    throw parseError(loc, `invalid METADATA block: ${msg}`);
  };
  const entrypoint = raw.entrypoint ?? false;
  if (typeof entrypoint !== "boolean") bad("entrypoint must be a boolean");
  let scope = raw.scope === undefined ? undefined : scalar(raw.scope, "scope", bad);
  if (!stmt || stmt.kind === "import") {
    return bad(`scope ${JSON.stringify(scope ?? "")} has no rule or package to apply to`);
  }
  if (stmt.kind === "rule") {
    scope ??= entrypoint ? "document" : "rule";
    if (!RULE_SCOPES.has(scope)) bad(`scope ${JSON.stringify(scope)} on a rule: want rule or document`);
  } else {
    scope ??= "package";
    if (!PACKAGE_SCOPES.has(scope))
      bad(`scope ${JSON.stringify(scope)} on a package: want package or subpackages`);
  }
  const value = contentsOf(raw, scope, entrypoint === true, bad);
  if (stmt.kind === "rule") return { scope: scope as "rule" | "document", rule: stmt.rule ?? 0, value, loc };
  return { scope: scope as "package" | "subpackages", value, loc };
}

type Bad = (msg: string) => never;

function contentsOf(raw: JsonObject, scope: string, entrypoint: boolean, bad: Bad): JsonObject {
  const out: JsonObject = { scope };
  const title = optScalar(raw.title, "title", bad);
  if (title) out.title = title;
  if (entrypoint) out.entrypoint = true;
  const description = optScalar(raw.description, "description", bad);
  if (description) out.description = description;
  const orgs = list(raw.organizations, "organizations", bad).map((o) => scalar(o, "organizations", bad));
  if (orgs.length > 0) out.organizations = orgs;
  const related = list(raw.related_resources, "related_resources", bad).map((r) => relatedResource(r, bad));
  if (related.length > 0) out.related_resources = related;
  const authors = list(raw.authors, "authors", bad).map((a) => author(a, bad));
  if (authors.length > 0) out.authors = authors;
  const schemas = list(raw.schemas, "schemas", bad).map((s) => schema(s, bad));
  if (schemas.length > 0) out.schemas = schemas;
  if (raw.custom !== undefined && raw.custom !== null) {
    if (!isObject(raw.custom)) bad("custom must be a mapping");
    const custom = jsonOf(raw.custom, bad);
    if (Object.keys(custom as JsonObject).length > 0) out.custom = custom;
  }
  return out;
}

/** A YAML scalar read into a string field (Go's yaml decoding accepts numbers and booleans). */
function scalar(v: JsonValue | undefined, what: string, bad: Bad): string {
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return bad(`${what} must be a string`);
}

function optScalar(v: JsonValue | undefined, what: string, bad: Bad): string {
  return v === undefined || v === null ? "" : scalar(v, what, bad);
}

function list(v: JsonValue | undefined, what: string, bad: Bad): JsonValue[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) return bad(`${what} must be a list`);
  return v;
}

function relatedResource(r: JsonValue, bad: Bad): JsonObject {
  if (typeof r === "string") return { ref: url(r, bad) };
  if (!isObject(r)) return bad("related_resources entries must be URLs or {ref, description}");
  const out: JsonObject = { ref: url(scalar(r.ref ?? null, "related_resources ref", bad), bad) };
  const description = optScalar(r.description, "related_resources description", bad);
  if (description) out.description = description;
  return out;
}

/** An absolute URL, kept as written. */
function url(s: string, bad: Bad): string {
  const text = s.trim();
  if (!URL.canParse(text)) bad(`related resource ${JSON.stringify(s)} is not a URL`);
  return text;
}

/** `Name <email>`, `<email>`, `Name`, or {name, email}. */
function author(a: JsonValue, bad: Bad): JsonObject {
  let name = "";
  let email = "";
  if (typeof a === "string") {
    const parts = a.split(/\s+/).filter((p) => p !== "");
    if (parts.length === 0) bad("author is an empty string");
    const last = parts[parts.length - 1] ?? "";
    if (last.length >= 2 && last.startsWith("<") && last.endsWith(">")) {
      email = last.slice(1, -1);
      parts.pop();
    }
    name = parts.join(" ");
  } else if (isObject(a)) {
    name = optScalar(a.name, "author name", bad);
    email = optScalar(a.email, "author email", bad);
  } else {
    bad("authors entries must be strings or {name, email}");
  }
  if (name === "" && email === "") bad("author information must have a name or an email");
  const out: JsonObject = {};
  if (name) out.name = name;
  if (email) out.email = email;
  return out;
}

/** `- input.x: schema.y` (a reference) or `- input.x: {definition}`; paths as arrays of keys. */
function schema(s: JsonValue, bad: Bad): JsonObject {
  if (!isObject(s) || Object.keys(s).length !== 1)
    return bad("schemas entries must map one path to a schema");
  const [path, target] = Object.entries(s)[0] as [string, JsonValue];
  const out: JsonObject = { path: refPath(path, bad) };
  if (typeof target === "string") out.schema = refPath(target, bad);
  else if (isObject(target)) out.definition = jsonOf(target, bad);
  else bad("schemas entries must name a schema or give a definition");
  return out;
}

const REF_PART = /^(?:\.?([A-Za-z_][A-Za-z0-9_]*)|\["((?:[^"\\]|\\.)*)"\])/;

function refPath(text: string, bad: Bad): JsonValue[] {
  const out: JsonValue[] = [];
  let rest = text.trim();
  while (rest !== "") {
    const m = REF_PART.exec(rest);
    if (!m || (out.length === 0 && m[1] === undefined)) return bad(`bad reference ${JSON.stringify(text)}`);
    out.push(m[1] ?? (JSON.parse(`"${m[2]}"`) as string));
    rest = rest.slice(m[0].length);
  }
  if (out.length === 0) bad("empty reference");
  return out;
}

/** YAML data as JSON: finite numbers only, string keys. */
function jsonOf(v: JsonValue, bad: Bad, depth = 0): JsonValue {
  if (depth > 64) bad("custom data nested too deeply");
  if (typeof v === "number" && !Number.isFinite(v)) bad("numbers must be finite");
  if (Array.isArray(v)) return v.map((x) => jsonOf(x, bad, depth + 1));
  if (isObject(v)) {
    const out: JsonObject = {};
    for (const [k, x] of Object.entries(v)) {
      // defineProperty: a "__proto__" key stays a key.
      Object.defineProperty(out, k, {
        value: jsonOf(x, bad, depth + 1),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }
  return v;
}
