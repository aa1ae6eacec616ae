/**
 * A directory of .rego files and data.json / data.yaml files, compiled at load time with our
 * compiler into the same PolicyBundle shape as a tar.gz bundle. Files ending in _test.rego are
 * left out (they are for `wimse-authz test`).
 */
import { createHash } from "node:crypto";
import { readFile, readdir, stat } from "node:fs/promises";
import path from "node:path";
import { compileRego } from "../../rego/compile.js";
import { RegoCompileError } from "../../rego/errors.js";
import { PolicyError } from "../errors.js";
import { isDataFile, mergeData, parseDataFile } from "./data.js";
import type { PolicyBundle } from "./types.js";

export interface SourceTree {
  rego: { relPath: string; text: Uint8Array }[];
  data: { relPath: string; bytes: Uint8Array }[];
}

const MAX_FILES = 5_000;
/** Default largest .rego or data file (config policy.max_file_bytes). */
export const DEFAULT_MAX_FILE_BYTES = 16 * 1024 * 1024;

/** Walks `root` (a directory or a single file); symlinks are not followed. */
export async function readSourceTree(
  root: string,
  opts: { includeTests: boolean; maxFileBytes?: number },
): Promise<SourceTree> {
  const maxFileBytes = opts.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const tree: SourceTree = { rego: [], data: [] };
  let st: Awaited<ReturnType<typeof stat>>;
  try {
    st = await stat(root);
  } catch (e) {
    throw new PolicyError("bundle_unreadable", `cannot read ${root}: ${(e as Error).message}`);
  }
  const files: string[] = [];
  if (st.isFile()) files.push(root);
  else await walk(root, files);
  const base = st.isFile() ? path.dirname(root) : root;
  for (const file of files.sort()) {
    const relPath = path.relative(base, file).split(path.sep).join("/");
    const isRego = file.endsWith(".rego");
    if (!isRego && !isDataFile(relPath)) continue;
    if (isRego && !opts.includeTests && file.endsWith("_test.rego")) continue;
    const s = await stat(file);
    if (s.size > maxFileBytes)
      throw new PolicyError(
        "bundle_too_large",
        `${relPath} exceeds ${maxFileBytes} bytes (policy.max_file_bytes)`,
      );
    const bytes = new Uint8Array(await readFile(file));
    if (isRego) tree.rego.push({ relPath, text: bytes });
    else tree.data.push({ relPath, bytes });
  }
  return tree;
}

async function walk(dir: string, out: string[]): Promise<void> {
  let entries: import("node:fs").Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (e) {
    throw new PolicyError("bundle_unreadable", `cannot read ${dir}: ${(e as Error).message}`);
  }
  for (const e of entries) {
    if (e.name.startsWith(".")) continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) await walk(p, out);
    else if (e.isFile()) out.push(p);
    if (out.length > MAX_FILES)
      throw new PolicyError("bundle_too_large", `more than ${MAX_FILES} files under ${dir}`);
  }
}

/** Compiles a source tree; compile errors become PolicyError policy_compile_error. */
export function compileTree(tree: SourceTree, entrypoints: string[]): PolicyBundle {
  if (tree.rego.length === 0) throw new PolicyError("policy_compile_error", "no .rego files found");
  let compiled: ReturnType<typeof compileRego>;
  try {
    compiled = compileRego(
      tree.rego.map((f) => ({ path: f.relPath, text: f.text })),
      // Strict like the engine's host builtins: a builtin error aborts (and denies) instead of
      // making its expression undefined, so `not f(x)` can never turn an error into an allow.
      { entrypoints, strictBuiltinErrors: true },
    );
  } catch (e) {
    if (e instanceof RegoCompileError) throw new PolicyError("policy_compile_error", e.message);
    throw e;
  }
  const data = mergeData(
    tree.data.map((f) => ({ relPath: f.relPath, value: parseDataFile(f.relPath, f.bytes) })),
  );
  const hash = createHash("sha256");
  for (const f of [...tree.rego, ...tree.data.map((d) => ({ relPath: d.relPath, text: d.bytes }))]) {
    hash.update(f.relPath).update("\0").update(f.text).update("\0");
  }
  return {
    wasm: compiled.wasm,
    data,
    revision: `sha256:${hash.digest("hex").slice(0, 16)}`,
    entrypoints: Object.keys(compiled.entrypoints),
    manifest: {
      revision: "",
      roots: [""],
      wasm: Object.keys(compiled.entrypoints).map((entrypoint) => ({ entrypoint, module: "/policy.wasm" })),
      regoVersion: 1,
    },
    sources: tree.rego.map((f) => f.relPath),
    ...(compiled.inputPaths ? { inputPaths: compiled.inputPaths } : {}),
    ...(compiled.deterministic ? { deterministic: true } : {}),
  };
}

export async function loadRegoDirectory(
  root: string,
  entrypoints: string[],
  opts: { maxFileBytes?: number } = {},
): Promise<PolicyBundle> {
  return compileTree(
    await readSourceTree(root, { includeTests: false, maxFileBytes: opts.maxFileBytes }),
    entrypoints,
  );
}
