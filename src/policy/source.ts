/**
 * Where a policy comes from. Static files, watched files and (later) remote bundles plug in the
 * same way: load() returns a complete PolicyBundle or throws a PolicyError.
 */
import { stat } from "node:fs/promises";
import { loadRegoDirectory } from "./bundle/directory.js";
import { loadBundleFile } from "./bundle/load.js";
import type { PolicyBundle } from "./bundle/types.js";
import { PolicyError } from "./errors.js";

export interface PolicySource {
  /** For logs: "bundle /etc/policy/bundle.tar.gz" or "rego directory policies/". */
  readonly description: string;
  /** Paths to watch for changes (files or directories). */
  readonly watchPaths: string[];
  load(): Promise<PolicyBundle>;
}

export function bundleFileSource(file: string): PolicySource {
  return { description: `bundle ${file}`, watchPaths: [file], load: () => loadBundleFile(file) };
}

/** `maxFileBytes`: the largest .rego or data file accepted (default 16 MiB). */
export function regoDirectorySource(
  dir: string,
  entrypoints: string[],
  opts: { maxFileBytes?: number } = {},
): PolicySource {
  return {
    description: `rego directory ${dir}`,
    watchPaths: [dir],
    load: () => loadRegoDirectory(dir, entrypoints, opts),
  };
}

/** A .tar.gz / .tgz file is a bundle; a directory (or a .rego file) is compiled at load. */
export async function sourceForPath(p: string, entrypoints: string[]): Promise<PolicySource> {
  let isDir: boolean;
  try {
    isDir = (await stat(p)).isDirectory();
  } catch (e) {
    throw new PolicyError("bundle_unreadable", `cannot read policy ${p}: ${(e as Error).message}`);
  }
  if (!isDir && /\.(tar\.gz|tgz)$/.test(p)) return bundleFileSource(p);
  return regoDirectorySource(p, entrypoints);
}
