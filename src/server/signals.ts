/**
 * Process signals: SIGTERM / SIGINT stop gracefully (health NOT_SERVING, in-flight checks finish,
 * audit flushed) and exit 0; SIGHUP reloads the policy and trust bundles.
 */
import type { RunningService } from "./service.js";

export function installSignalHandlers(
  service: RunningService,
  log: (line: string) => void,
  exit: (code: number) => void = (code) => process.exit(code),
): () => void {
  let stopping = false;
  const onStop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: draining`);
    service.stop().then(
      () => {
        log("stopped");
        exit(0);
      },
      (e: Error) => {
        log(`shutdown failed: ${e.message}`);
        exit(1);
      },
    );
  };
  const onHup = () => {
    log("SIGHUP: reloading policy and trust bundles");
    service.reload().catch((e: Error) => log(`reload failed: ${e.message}`));
  };
  process.on("SIGTERM", onStop);
  process.on("SIGINT", onStop);
  process.on("SIGHUP", onHup);
  return () => {
    process.off("SIGTERM", onStop);
    process.off("SIGINT", onStop);
    process.off("SIGHUP", onHup);
  };
}
