/**
 * Input projection: the policy input cut down to the paths the compiled policy can read
 * (CompileResult.inputPaths, from src/rego/analysis/input-paths.ts), so that the engine stringifies
 * and the Wasm module parses only those instead of the whole input (headers, the URL-encoded client
 * certificate, ...).
 *
 * The projected value is indistinguishable from the original for the policy: a plain object becomes
 * a new object with only the listed keys that it has (each projected in turn; an existence-only key
 * keeps its value's type: an object becomes {}), anything else (arrays, scalars, objects with a
 * prototype or a toJSON) is kept as it is, and a WHOLE path keeps the value as it is.
 */
import type { InputPath } from "../rego/index.js";

/** A compiled projection node: child keys and their projections (undefined child = WHOLE). */
export interface Projection {
  readonly keys: readonly string[];
  readonly children: readonly (Projection | undefined)[];
}

interface Building {
  whole: boolean;
  children: Map<string, Building>;
}

/**
 * Compiles the analysis's path list once per loaded policy. Undefined (the whole input) when the
 * list keeps the root whole or is not a list of string paths: never narrower than asked.
 */
export function compileProjection(paths: readonly InputPath[] | undefined): Projection | undefined {
  if (!Array.isArray(paths)) return undefined;
  const root: Building = { whole: false, children: new Map() };
  for (const entry of paths as unknown[]) {
    const e = entry as Partial<InputPath> | null;
    if (typeof e !== "object" || e === null || !Array.isArray(e.path)) return undefined;
    if (!e.path.every((k) => typeof k === "string")) return undefined;
    let cur = root;
    for (const key of e.path) {
      let next = cur.children.get(key);
      if (!next) {
        next = { whole: false, children: new Map() };
        cur.children.set(key, next);
      }
      cur = next;
    }
    if (e.whole !== false) cur.whole = true;
  }
  if (root.whole) return undefined;
  return freeze(root);
}

function freeze(node: Building): Projection | undefined {
  if (node.whole) return undefined;
  const keys = [...node.children.keys()];
  return Object.freeze({
    keys: Object.freeze(keys),
    children: Object.freeze(keys.map((k) => freeze(node.children.get(k)!))),
  });
}

const isEnumerableOwn = Object.prototype.propertyIsEnumerable;

/**
 * `value` with only the paths of `projection` (undefined: `value` itself). JSON.stringify of the
 * result equals JSON.stringify of `value` at every path of the projection.
 */
export function project(value: unknown, projection: Projection | undefined): unknown {
  if (projection === undefined || !isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  const { keys, children } = projection;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    // JSON.stringify serializes own enumerable properties only.
    if (!isEnumerableOwn.call(value, key)) continue;
    const v = project((value as Record<string, unknown>)[key], children[i]);
    if (key === "__proto__") {
      Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
    } else {
      out[key] = v;
    }
  }
  return out;
}

/** An object JSON.stringify serializes as its own properties: no array, class instance or toJSON. */
function isPlainObject(v: unknown): v is object {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return false;
  return typeof (v as { toJSON?: unknown }).toJSON !== "function";
}
