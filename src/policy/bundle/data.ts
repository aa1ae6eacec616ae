/**
 * Bundle data: every data.json / data.yaml (data.yml) file is placed under data at its directory
 * path (OPA's bundle layout: /a/b/data.json holds data.a.b) and merged; two files that set the
 * same leaf differently are an error, as in OPA.
 */
import { parse as parseYaml } from "yaml";
import { PolicyError } from "../errors.js";

export type DataDoc = Record<string, unknown>;

const DATA_FILE = /(^|\/)data\.(json|ya?ml)$/;

export function isDataFile(relPath: string): boolean {
  return DATA_FILE.test(relPath);
}

export function parseDataFile(relPath: string, bytes: Uint8Array): unknown {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new PolicyError("bundle_invalid_data", `${relPath}: not valid UTF-8`);
  }
  try {
    if (relPath.endsWith(".json")) return JSON.parse(text);
    return parseYaml(text, { maxAliasCount: 100 }) ?? {};
  } catch (e) {
    throw new PolicyError("bundle_invalid_data", `${relPath}: ${(e as Error).message}`);
  }
}

/** Merges each data file's value at its directory path into one document. */
export function mergeData(files: { relPath: string; value: unknown }[]): DataDoc {
  const root: DataDoc = {};
  for (const { relPath, value } of files) {
    const dir = relPath.split("/").slice(0, -1);
    if (dir.length === 0 && !isPlainObject(value)) {
      throw new PolicyError("bundle_invalid_data", `${relPath}: top-level data must be an object`);
    }
    let node: DataDoc = root;
    for (const seg of dir) {
      const child = node[seg];
      if (child === undefined) node[seg] = {};
      else if (!isPlainObject(child)) throw conflict(relPath, seg);
      node = node[seg] as DataDoc;
    }
    if (dir.length === 0) mergeInto(root, value as DataDoc, relPath);
    else {
      const last = dir[dir.length - 1] ?? "";
      const parent = dir.slice(0, -1).reduce<DataDoc>((n, s) => n[s] as DataDoc, root);
      if (isPlainObject(value)) mergeInto(parent[last] as DataDoc, value, relPath);
      else if (Object.keys(parent[last] as DataDoc).length === 0) parent[last] = value;
      else throw conflict(relPath, last);
    }
  }
  return root;
}

function mergeInto(target: DataDoc, src: DataDoc, relPath: string): void {
  for (const [k, v] of Object.entries(src)) {
    const cur = target[k];
    if (cur === undefined) target[k] = v;
    else if (isPlainObject(cur) && isPlainObject(v)) mergeInto(cur, v, relPath);
    else if (JSON.stringify(cur) !== JSON.stringify(v)) throw conflict(relPath, k);
  }
}

function conflict(relPath: string, key: string): PolicyError {
  return new PolicyError(
    "bundle_invalid_data",
    `${relPath}: conflicting values for data key ${JSON.stringify(key)}`,
  );
}

function isPlainObject(v: unknown): v is DataDoc {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}
