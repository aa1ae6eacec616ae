/**
 * The V8 flags `serve` is meant to run with. They cannot be set once the process runs, so the
 * launchers pass them on node's command line (npm start, k8s/Dockerfile, docker-compose.yml; a
 * test keeps those in step with this list), `serve` logs which are missing, and the bench starts
 * every server it measures with them, the no-op baseline included (docs/performance.md, "V8's
 * heap limits and the memory reducer").
 *
 * --heap-growing-percent=300: after a mark-compact, the old generation may grow to 4x what
 *   survived before the next one. V8's own factor aims at 97% mutator utilisation: with a fast
 *   collector it keeps the limit close to the live size, and at 1000 Checks/s the gRPC thread ran
 *   a mark-compact every 3-7 s, each pausing it 17-60 ms, often enough to set the p99. With the
 *   flag they come about once a minute. The cost is heap headroom: up to 4x the live heap between
 *   two collections (about 25 MB live on the gRPC thread, 19 MB on the decision thread).
 * --no-memory-reducer: V8 starts a memory-reducing mark-compact when allocation slows, or 100 s
 *   after the last mark-compact whatever the load (its watchdog). Such a collection of a heap that
 *   holds up to 100 s of garbage paused the thread 95-125 ms under load. Without it, the heap
 *   shrinks at the next regular mark-compact instead of when traffic stops.
 */
export const LATENCY_NODE_FLAGS: readonly string[] = ["--heap-growing-percent=300", "--no-memory-reducer"];

/** V8 reads "--a_b" and "--a-b" alike. */
function normalize(flag: string): string {
  const eq = flag.indexOf("=");
  const name = eq >= 0 ? flag.slice(0, eq) : flag;
  return name.replaceAll("_", "-") + (eq >= 0 ? flag.slice(eq) : "");
}

/** The flags of LATENCY_NODE_FLAGS that `execArgv` (node's own arguments) lacks. */
export function missingLatencyFlags(execArgv: readonly string[] = process.execArgv): string[] {
  const given = new Set(execArgv.map(normalize));
  return LATENCY_NODE_FLAGS.filter((f) => !given.has(f));
}
