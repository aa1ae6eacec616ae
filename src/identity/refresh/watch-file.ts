/**
 * Re-reading a file when it changes: the parent directory is watched (fs.watch), so atomic
 * replacement by rename and Kubernetes' ConfigMap symlink swaps are seen; a slow poll backs the
 * watcher up; events are debounced; reloads are serialised (an event during a load schedules
 * exactly one more). Only events that can concern the file trigger a reload: its own name, an
 * event without a name, and Kubernetes' atomic-writer entries ("..data", "..2026_..."); other
 * files in the same directory (an audit log, another domain's bundle) never do.
 */
import { type FSWatcher, watch } from "node:fs";
import { basename, dirname } from "node:path";

export interface WatchFileOptions {
  /** Watch for changes. Default true (false: load once). */
  watch?: boolean;
  /** Debounce of watch events, ms. Default 100. */
  debounceMs?: number;
  /** Poll interval backing the watcher up, ms; 0 disables. Default 60000. */
  pollMs?: number;
}

export interface Closable {
  isClosed(): boolean;
  addCloser(fn: () => void): void;
}

/** Runs `load` now and on every change of `path`. Returns the serialised reload (for forced reloads). */
export function watchFile(
  path: string,
  load: () => Promise<void>,
  owner: Closable,
  opts: WatchFileOptions = {},
): () => Promise<void> {
  let loading: Promise<void> | undefined;
  let again = false;
  const reload = (): Promise<void> => {
    if (loading) {
      again = true;
      return loading;
    }
    loading = (async () => {
      do {
        again = false;
        await load();
      } while (again && !owner.isClosed());
      loading = undefined;
    })();
    return loading;
  };

  void reload();
  if (opts.watch === false) return reload;

  let timer: NodeJS.Timeout | undefined;
  const schedule = () => {
    if (owner.isClosed()) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => void reload(), opts.debounceMs ?? 100);
    timer.unref();
  };
  const base = basename(path);
  const concerns = (filename: string | Buffer | null): boolean => {
    if (filename === null) return true;
    const name = filename.toString();
    return name === base || name.startsWith("..");
  };
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dirname(path), { persistent: false }, (_event, filename) => {
      if (concerns(filename)) schedule();
    });
    watcher.on("error", () => undefined);
  } catch {
    // Directory missing or not watchable: the poll below still picks up changes.
  }
  const pollMs = opts.pollMs ?? 60_000;
  const poll = pollMs > 0 ? setInterval(() => void reload(), pollMs) : undefined;
  poll?.unref();
  owner.addCloser(() => {
    watcher?.close();
    if (timer) clearTimeout(timer);
    if (poll) clearInterval(poll);
  });
  return reload;
}
