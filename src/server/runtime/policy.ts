/**
 * Adapts src/policy's WasmPolicyEngine to the server's PolicyRuntime: the source (an OPA Wasm
 * bundle, or a directory of .rego compiled by our compiler), the entrypoint, file watching, and
 * reload events turned into ReloadResults for logs, metrics and health.
 */
import type { Config } from "../../config/types.js";
import { WasmPolicyEngine } from "../../policy/engine.js";
import type { ReloadEvent } from "../../policy/listener.js";
import { bundleFileSource, regoDirectorySource } from "../../policy/source.js";
import type { EvaluationOutcome } from "../../policy/types.js";
import type { PolicyRuntime, ReloadResult } from "../ports.js";

function result(e: ReloadEvent): ReloadResult {
  return e.ok
    ? { ok: true, revision: e.revision }
    : { ok: false, revision: e.revision, error: e.error ? `${e.error.code}: ${e.error.message}` : "failed" };
}

export async function createPolicyRuntime(
  cfg: Config["policy"],
  log: (line: string) => void,
): Promise<PolicyRuntime> {
  const source =
    cfg.bundle !== ""
      ? bundleFileSource(cfg.bundle)
      : regoDirectorySource(cfg.dir, [cfg.entrypoint], { maxFileBytes: cfg.maxFileBytes });
  const listeners: Array<(r: ReloadResult) => void> = [];
  const engine = await WasmPolicyEngine.start({
    source,
    entrypoint: cfg.entrypoint,
    watch: cfg.watch,
    listener: {
      onReload(e) {
        // Initial loads are reported by the caller (it reads `ready`); watch reloads go to listeners.
        if (e.trigger === "initial") {
          if (!e.ok)
            log(`policy: ${source.description} failed to load: ${e.error?.code}: ${e.error?.message}`);
          return;
        }
        if (e.trigger === "watch") for (const l of listeners) l(result(e));
      },
    },
  });
  return {
    evaluate: (input: unknown): EvaluationOutcome => engine.evaluate(input),
    // The input written for the active policy's projection, in the same call (no reload between).
    evaluateText: (write) => engine.evaluateText(write),
    get revision() {
      return engine.revision;
    },
    get ready() {
      return engine.ready;
    },
    reload: async () => result(await engine.reload()),
    onReload(l) {
      listeners.push(l);
    },
    close() {
      engine.close();
    },
  };
}
