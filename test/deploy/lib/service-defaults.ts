/**
 * What the deploy tests need from the service's configuration module (src/config), read through
 * its published OPTIONS table when present, so the Envoy/compose/k8s files are checked against
 * the real defaults rather than a copy of them.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { REPO } from "./envoy-files.js";

/** Documented in issue 2: gRPC ext_authz on 0.0.0.0:9191, metrics on 9464 by default. */
export const DOCUMENTED_DEFAULTS = { listenPort: 9191, metricsPort: 9464 } as const;

const SCHEMA = join(REPO, "src", "config", "schema.ts");

function portOf(address: unknown): number | undefined {
  if (typeof address !== "string") return undefined;
  const m = /:(\d+)$/.exec(address);
  return m ? Number(m[1]) : undefined;
}

export interface ServiceDefaults {
  listenPort: number;
  metricsPort: number;
  /** "src/config" when read from the OPTIONS table, else "documented". */
  source: "src/config" | "documented";
}

export async function serviceDefaults(): Promise<ServiceDefaults> {
  if (!existsSync(SCHEMA)) return { ...DOCUMENTED_DEFAULTS, source: "documented" };
  const mod: unknown = await import(SCHEMA);
  const options = (mod as { OPTIONS?: unknown }).OPTIONS;
  const find = (key: string): unknown =>
    Array.isArray(options)
      ? (
          options.find((o: unknown) => (o as { key?: unknown }).key === key) as
            | { default?: unknown }
            | undefined
        )?.default
      : undefined;
  const listenPort = portOf(find("listen.address"));
  const metricsPort = portOf(find("metrics.address"));
  if (listenPort === undefined || metricsPort === undefined) {
    throw new Error(
      "src/config/schema.ts: OPTIONS has no listen.address / metrics.address default with a port",
    );
  }
  return { listenPort, metricsPort, source: "src/config" };
}
