/** Debounced file watching for policy sources (a bundle file or a directory tree). */
import { type FSWatcher, existsSync, statSync, watch } from "node:fs";
import path from "node:path";

export interface Watch {
  close(): void;
}

/**
 * Calls onChange once per burst of changes (debounced). A file is watched through its parent
 * directory, so an atomic replace (write + rename) is seen and the watch survives it.
 */
export function watchPaths(paths: string[], debounceMs: number, onChange: () => void): Watch {
  const watchers: FSWatcher[] = [];
  let timer: NodeJS.Timeout | undefined;
  const fire = (): void => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      onChange();
    }, debounceMs);
  };
  for (const p of paths) {
    const isDir = existsSync(p) && statSync(p).isDirectory();
    const dir = isDir ? p : path.dirname(p);
    const base = path.basename(p);
    try {
      const w = watch(dir, { recursive: isDir, persistent: false }, (_event, filename) => {
        // "..data" and friends: Kubernetes' atomic writer swaps a ConfigMap's files by symlink.
        if (isDir || filename === null || filename === base || filename.startsWith("..")) fire();
      });
      w.on("error", () => w.close());
      watchers.push(w);
    } catch {
      // An unwatchable path still reloads on explicit reload() (SIGHUP).
    }
  }
  return {
    close(): void {
      if (timer) clearTimeout(timer);
      for (const w of watchers) w.close();
    },
  };
}
