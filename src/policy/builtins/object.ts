/** object.subset and other object helpers not native in the module. */
import type { BuiltinFamily } from "./registry.js";
import { typeFail } from "./errors.js";

function deepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(canon(a)) === JSON.stringify(canon(b));
}

function canon(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canon);
  if (v !== null && typeof v === "object") {
    return Object.fromEntries(
      Object.keys(v as object)
        .sort()
        .map((k) => [k, canon((v as Record<string, unknown>)[k])]),
    );
  }
  return v;
}

const isObj = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v);

/** OPA: objects recursively; arrays as contiguous sub-arrays (sets reach the host as arrays). */
export function subset(sup: unknown, sub: unknown): boolean {
  if (isObj(sup) && isObj(sub)) {
    return Object.entries(sub).every(([k, v]) => {
      if (!(k in sup)) return false;
      const s = sup[k];
      if (isObj(s) && isObj(v)) return subset(s, v);
      if (Array.isArray(s) && Array.isArray(v)) return subset(s, v);
      return deepEqual(s, v);
    });
  }
  if (Array.isArray(sup) && Array.isArray(sub)) {
    if (sub.length === 0) return true;
    for (let i = 0; i + sub.length <= sup.length; i++) {
      if (sub.every((x, j) => deepEqual(sup[i + j], x))) return true;
    }
    return false;
  }
  return false;
}

export const object: BuiltinFamily = {
  "object.subset": (sup, sub) => {
    if (!isObj(sup) && !Array.isArray(sup)) typeFail(1, "object, array or set", sup);
    if (!isObj(sub) && !Array.isArray(sub)) typeFail(2, "object, array or set", sub);
    return subset(sup, sub);
  },
};
