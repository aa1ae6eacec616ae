/** hex.*, urlquery.*, yaml.*, uri.is_valid, json.marshal_with_options. */
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { arr, obj, str } from "./args.js";
import { fail, typeFail } from "./errors.js";
import type { BuiltinFamily } from "./registry.js";

/** Go's url.QueryEscape: space as "+", everything but unreserved percent-encoded. */
function queryEscape(s: string): string {
  return encodeURIComponent(s)
    .replace(/[!'()*~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%7E/g, "~")
    .replace(/%20/g, "+");
}

function queryUnescape(s: string): string {
  if (/%(?![0-9a-fA-F]{2})/.test(s))
    fail(
      `invalid URL escape ${JSON.stringify(s.slice(s.search(/%(?![0-9a-fA-F]{2})/), s.search(/%(?![0-9a-fA-F]{2})/) + 3))}`,
    );
  try {
    return decodeURIComponent(s.replace(/\+/g, " "));
  } catch {
    return fail("invalid URL escape");
  }
}

function encodeObject(o: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const k of Object.keys(o).sort()) {
    const v = o[k];
    const values =
      typeof v === "string"
        ? [v]
        : Array.isArray(v)
          ? v
          : typeFail(1, "object[string: string|array[string]|set[string]]", v);
    for (const x of values) {
      if (typeof x !== "string") typeFail(1, "object[string: string|array[string]|set[string]]", x);
      parts.push(`${queryEscape(k)}=${queryEscape(x)}`);
    }
  }
  return parts.join("&");
}

function decodeObject(s: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const pair of s.split("&")) {
    if (pair === "") continue;
    const i = pair.indexOf("=");
    const k = queryUnescape(i < 0 ? pair : pair.slice(0, i));
    const v = i < 0 ? "" : queryUnescape(pair.slice(i + 1));
    const list = out[k] ?? [];
    list.push(v);
    out[k] = list;
  }
  return out;
}

function indentJson(v: unknown, prefix: string, indent: string): string {
  const text = JSON.stringify(v, null, indent === "" ? undefined : indent) ?? "null";
  if (indent === "" && prefix === "") return text;
  return text
    .split("\n")
    .map((l) => prefix + l)
    .join("\n");
}

const randCache = new Map<string, number>();

export const encoding: BuiltinFamily = {
  "hex.encode": (s) => Buffer.from(str(s, 1), "utf8").toString("hex"),
  "hex.decode": (s) => {
    const h = str(s, 1);
    if (!/^([0-9a-fA-F]{2})*$/.test(h)) fail(`invalid hex string ${JSON.stringify(h)}`);
    const out = Buffer.from(h, "hex").toString("utf8");
    return out;
  },
  "urlquery.encode": (s) => queryEscape(str(s, 1)),
  "urlquery.decode": (s) => queryUnescape(str(s, 1)),
  "urlquery.encode_object": (o) => encodeObject(obj(o, 1)),
  "urlquery.decode_object": (s) => decodeObject(str(s, 1)),
  "uri.is_valid": (s) => {
    try {
      const u = new URL(str(s, 1));
      return u.protocol.length > 1;
    } catch {
      return false;
    }
  },
  "yaml.marshal": (v) => stringifyYaml(v),
  "yaml.unmarshal": (s) => {
    try {
      return parseYaml(str(s, 1), { maxAliasCount: 100 });
    } catch (e) {
      return fail((e as Error).message);
    }
  },
  "yaml.is_valid": (s) => {
    if (typeof s !== "string") return false;
    try {
      parseYaml(s, { maxAliasCount: 100 });
      return true;
    } catch {
      return false;
    }
  },
  "json.marshal_with_options": (v, opts) => {
    const o = obj(opts, 2);
    for (const k of Object.keys(o)) {
      if (!["pretty", "indent", "prefix"].includes(k))
        fail(`object contained unknown key ${JSON.stringify(k)}`);
    }
    const pretty = o.pretty === undefined ? o.indent !== undefined || o.prefix !== undefined : o.pretty;
    if (typeof pretty !== "boolean") fail("pretty must be a boolean");
    if (o.indent !== undefined && typeof o.indent !== "string") fail("indent must be a string");
    if (o.prefix !== undefined && typeof o.prefix !== "string") fail("prefix must be a string");
    if (!pretty) return JSON.stringify(v);
    return indentJson(v, (o.prefix as string | undefined) ?? "", (o.indent as string | undefined) ?? "\t");
  },
  "rand.intn": (s, n) => {
    const key = str(s, 1);
    const max = arr([n], 2)[0];
    if (typeof max !== "number" || !Number.isInteger(max)) typeFail(2, "number", n);
    if (max === 0) return 0;
    // OPA: the same (key, n) yields the same value within one evaluation.
    const k = `${key}\u0000${max}`;
    let v = randCache.get(k);
    if (v === undefined) {
      v = Math.floor(Math.random() * Math.abs(max as number));
      if (randCache.size === 0) setImmediate(() => randCache.clear());
      randCache.set(k, v);
    }
    return v;
  },
  "opa.runtime": () => ({ env: {}, version: "wimse-authz", commit: "", config: {} }),
};
