/**
 * json.patch: RFC 6902 operations (add, remove, replace, move, copy, test) on a copy, with OPA's
 * extension to sets: a set element is addressed by its value (`foo/b` is the element "b" of set
 * foo; with an array path, `[[1], 1]` is index 1 of the set's element [1]); adding to a set needs
 * the last path segment to equal the added value. Sets arrive as RegoSet (see wire.ts) and are
 * returned as sets.
 */
import { arr, isObject } from "./args.js";
import { fail } from "./errors.js";
import { type BuiltinFamily, takesSets } from "./registry.js";
import { RegoSet } from "./wire.js";

type J = unknown;

/** Path segments: strings from a JSON pointer, any values from an array path. */
function pointer(p: unknown): J[] {
  if (Array.isArray(p)) return p;
  if (typeof p !== "string") return fail("path must be a string or an array");
  if (p === "") return [];
  // OPA accepts pointers without the leading "/" (as its set cases do).
  return (p.startsWith("/") ? p.slice(1) : p)
    .split("/")
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
}

function clone(v: J): J {
  if (v instanceof RegoSet) return new RegoSet(v.values.map(clone));
  if (Array.isArray(v)) return v.map(clone);
  if (isObject(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      Object.defineProperty(out, k, {
        value: clone(x),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }
  return v;
}

function describe(path: J[]): string {
  return JSON.stringify(path, (_k, v) => (v instanceof RegoSet ? v.values : v));
}

function objectKey(seg: J, path: J[]): string {
  if (typeof seg !== "string") return fail(`path ${describe(path)}: object keys must be strings`);
  return seg;
}

function setIndex(s: RegoSet, seg: J): number {
  return s.values.findIndex((x) => equal(x, seg));
}

function child(node: J, seg: J, path: J[]): J {
  if (Array.isArray(node)) return node[index(node, seg, false)];
  if (node instanceof RegoSet) {
    const i = setIndex(node, seg);
    if (i < 0) fail(`path ${describe(path)} not found`);
    return node.values[i];
  }
  const key = objectKey(seg, path);
  if (isObject(node) && Object.hasOwn(node, key)) return node[key];
  return fail(`path ${describe(path)} not found`);
}

function parentOf(doc: J, path: J[]): [J, J] {
  let node = doc;
  for (const seg of path.slice(0, -1)) node = child(node, seg, path);
  return [node, path[path.length - 1]];
}

function index(a: unknown[], seg: J, forAdd: boolean): number {
  if (forAdd && seg === "-") return a.length;
  let i: number;
  if (typeof seg === "number" && Number.isInteger(seg) && seg >= 0) i = seg;
  else if (typeof seg === "string" && /^(0|[1-9]\d*)$/.test(seg)) i = Number(seg);
  else return fail(`invalid array index ${JSON.stringify(seg)}`);
  if (i > a.length || (!forAdd && i === a.length)) fail(`array index ${i} out of range`);
  return i;
}

function get(doc: J, path: J[]): J {
  if (path.length === 0) return doc;
  const [parent, seg] = parentOf(doc, path);
  return child(parent, seg, path);
}

function add(doc: J, path: J[], value: J): J {
  if (path.length === 0) return value;
  const [parent, seg] = parentOf(doc, path);
  if (Array.isArray(parent)) parent.splice(index(parent, seg, true), 0, value);
  else if (parent instanceof RegoSet) {
    if (!equal(seg, value)) fail(`path ${describe(path)}: a set element's key must equal its value`);
    if (setIndex(parent, value) < 0) parent.values.push(value);
  } else if (isObject(parent)) {
    Object.defineProperty(parent, objectKey(seg, path), {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else fail(`cannot add to ${describe(path)}`);
  return doc;
}

function remove(doc: J, path: J[]): J {
  if (path.length === 0) return fail("cannot remove the document root");
  const [parent, seg] = parentOf(doc, path);
  if (Array.isArray(parent)) parent.splice(index(parent, seg, false), 1);
  else if (parent instanceof RegoSet) {
    const i = setIndex(parent, seg);
    if (i < 0) fail(`path ${describe(path)} not found`);
    parent.values.splice(i, 1);
  } else if (isObject(parent) && Object.hasOwn(parent, objectKey(seg, path))) delete parent[seg as string];
  else fail(`path ${describe(path)} not found`);
  return doc;
}

/** Canonical text: object keys sorted, set elements sorted, sets distinct from arrays. */
function canon(v: J): string {
  if (v instanceof RegoSet) return `set(${v.values.map(canon).sort().join(",")})`;
  if (Array.isArray(v)) return `[${v.map(canon).join(",")}]`;
  if (isObject(v)) {
    const keys = Object.keys(v).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canon(v[k])}`).join(",")}}`;
  }
  return JSON.stringify(v) ?? "undefined";
}

function equal(a: J, b: J): boolean {
  return canon(a) === canon(b);
}

/** The operation's value member, which add and replace require (null is a value). */
function opValue(op: Record<string, unknown>): J {
  if (!Object.hasOwn(op, "value")) fail(`missing 'value' parameter for ${String(op.op)}`);
  return op.value;
}

export function applyPatch(target: J, patches: J[]): J {
  let doc = clone(target);
  for (const p of patches) {
    if (!isObject(p)) fail("patch operations must be objects");
    const path = pointer(p.path);
    switch (p.op) {
      case "add":
        doc = add(doc, path, clone(opValue(p)));
        break;
      case "remove":
        doc = remove(doc, path);
        break;
      case "replace": {
        const value = clone(opValue(p));
        get(doc, path);
        doc = path.length === 0 ? value : add(remove(doc, path), path, value);
        break;
      }
      case "move": {
        const from = pointer(p.from);
        const v = get(doc, from);
        doc = add(remove(doc, from), path, v);
        break;
      }
      case "copy":
        doc = add(doc, path, clone(get(doc, pointer(p.from))));
        break;
      case "test":
        if (!equal(get(doc, path), p.value)) fail("test operation failed");
        break;
      default:
        fail(`unknown patch operation ${JSON.stringify(p.op)}`);
    }
  }
  return doc;
}

export const jsonPatch: BuiltinFamily = {
  "json.patch": takesSets((target, patches) =>
    applyPatch(target, patches instanceof RegoSet ? patches.values : arr(patches, 2)),
  ),
};
