/** json.patch: RFC 6902 operations (add, remove, replace, move, copy, test) on a copy. */
import { arr, isObject } from "./args.js";
import { fail } from "./errors.js";
import type { BuiltinFamily } from "./registry.js";

type J = unknown;

function pointer(p: unknown): string[] {
  if (Array.isArray(p)) return p.map((x) => String(x));
  if (typeof p !== "string") return fail("path must be a string or an array");
  if (p === "") return [];
  if (!p.startsWith("/")) fail(`invalid JSON pointer ${JSON.stringify(p)}`);
  return p
    .slice(1)
    .split("/")
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
}

function clone(v: J): J {
  return v === undefined ? undefined : JSON.parse(JSON.stringify(v));
}

function parentOf(doc: J, path: string[]): [J, string] {
  let node = doc;
  for (const seg of path.slice(0, -1)) {
    if (Array.isArray(node)) node = node[index(node, seg, false)];
    else if (isObject(node) && seg in node) node = node[seg];
    else fail(`path ${JSON.stringify(path)} not found`);
  }
  return [node, path[path.length - 1] ?? ""];
}

function index(a: unknown[], seg: string, forAdd: boolean): number {
  if (forAdd && seg === "-") return a.length;
  if (!/^(0|[1-9]\d*)$/.test(seg)) fail(`invalid array index ${JSON.stringify(seg)}`);
  const i = Number(seg);
  if (i > a.length || (!forAdd && i === a.length)) fail(`array index ${i} out of range`);
  return i;
}

function get(doc: J, path: string[]): J {
  if (path.length === 0) return doc;
  const [parent, key] = parentOf(doc, path);
  if (Array.isArray(parent)) return parent[index(parent, key, false)];
  if (isObject(parent) && key in parent) return parent[key];
  return fail(`path ${JSON.stringify(path)} not found`);
}

function add(doc: J, path: string[], value: J): J {
  if (path.length === 0) return value;
  const [parent, key] = parentOf(doc, path);
  if (Array.isArray(parent)) parent.splice(index(parent, key, true), 0, value);
  else if (isObject(parent)) (parent as Record<string, unknown>)[key] = value;
  else fail(`cannot add to ${JSON.stringify(path)}`);
  return doc;
}

function remove(doc: J, path: string[]): J {
  if (path.length === 0) return fail("cannot remove the document root");
  const [parent, key] = parentOf(doc, path);
  if (Array.isArray(parent)) parent.splice(index(parent, key, false), 1);
  else if (isObject(parent) && key in parent) delete parent[key];
  else fail(`path ${JSON.stringify(path)} not found`);
  return doc;
}

function equal(a: J, b: J): boolean {
  const canon = (v: J): J =>
    Array.isArray(v)
      ? v.map(canon)
      : isObject(v)
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, canon(v[k])]),
          )
        : v;
  return JSON.stringify(canon(a)) === JSON.stringify(canon(b));
}

export function applyPatch(target: J, patches: J[]): J {
  let doc = clone(target);
  for (const p of patches) {
    if (!isObject(p)) fail("patch operations must be objects");
    const path = pointer(p.path);
    switch (p.op) {
      case "add":
        doc = add(doc, path, clone(p.value));
        break;
      case "remove":
        doc = remove(doc, path);
        break;
      case "replace":
        get(doc, path);
        doc = add(remove(doc, path) ?? doc, path, clone(p.value));
        break;
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
  "json.patch": (target, patches) => applyPatch(target, arr(patches, 2)),
};
