/**
 * A bundle read from a file (PEM or SPIFFE JSON) and re-read when it changes.
 * The parent directory is watched (fs.watch), so atomic replacement by rename and Kubernetes'
 * ConfigMap symlink swaps are seen; a slow poll backs the watcher up. Events are debounced; an
 * invalid update keeps the last good bundle and is reported through onError.
 */
import { readFile } from "node:fs/promises";
import { watchFile } from "../refresh/watch-file.js";
import { type BundleFormat, formatForPath } from "./parse.js";
import { BundleState } from "./state.js";
import { BundleError, type BundleSource } from "./types.js";

export interface FileBundleOptions {
  format?: BundleFormat;
  /** Watch for changes. Default true. */
  watch?: boolean;
  /** Debounce of watch events, ms. Default 100. */
  debounceMs?: number;
  /** Poll interval backing the watcher up, ms; 0 disables. Default 60000. */
  pollMs?: number;
  /** Maximum file size. Default 4 MiB. */
  maxBytes?: number;
}

export function fileBundle(path: string, opts: FileBundleOptions = {}): BundleSource {
  const state = new BundleState(path);
  const format = opts.format ?? formatForPath(path);
  const maxBytes = opts.maxBytes ?? 4 * 1024 * 1024;

  const loadOnce = async (): Promise<void> => {
    let text: string;
    try {
      const buf = await readFile(path);
      if (buf.length > maxBytes)
        throw new BundleError("bundle_too_large", `larger than ${maxBytes} bytes`, path);
      text = buf.toString("utf8");
    } catch (e) {
      state.reject(
        e instanceof BundleError
          ? e
          : new BundleError("bundle_read_failed", (e as Error).message ?? String(e), path),
      );
      return;
    }
    state.load(text, format);
  };

  watchFile(path, loadOnce, state, opts);
  return state;
}
