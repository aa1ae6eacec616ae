/**
 * Process signals: SIGTERM / SIGINT stop gracefully (health NOT_SERVING, in-flight checks finish,
 * audit flushed) and exit 0; SIGHUP reloads the policy and trust bundles.
 */
import type { RunningService } from "./service.js";

export function installSignalHandlers(
  service: RunningService,
  log: (line: string) => void,
  exit = process.exit,
): () => void {
  const onStop = (signal: NodeJS.Signals) => {
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
    log("SIGHUP: reloading policy");
    void service.reload();
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
