/**
 * Periodic refresh of a remote document: `tick` fetches and accepts (or reports) one update and
 * returns the delay until the next one. Ticks never overlap (a refresh forced during a tick runs
 * right after it), delays never go below a floor, and polling stops when the owner closes.
 */
import type { Closable } from "./watch-file.js";

/** Starts polling now. Returns a function that forces an immediate refresh. */
export function poll(tick: () => Promise<number>, owner: Closable, minMs = 1000): () => void {
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let again = false;
  const run = async (): Promise<void> => {
    if (owner.isClosed()) return;
    if (running) {
      again = true;
      return;
    }
    running = true;
    let next = minMs;
    do {
      again = false;
      try {
        next = await tick();
      } catch {
        // tick reports its own failures; a throw still must not stop the refresh.
        next = minMs;
      }
    } while (again && !owner.isClosed());
    running = false;
    if (owner.isClosed()) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => void run(), Math.max(minMs, next));
    timer.unref();
  };
  owner.addCloser(() => {
    if (timer) clearTimeout(timer);
  });
  void run();
  return () => {
    if (timer) clearTimeout(timer);
    void run();
  };
}
