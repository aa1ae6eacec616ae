/** The bundle's /.manifest (OPA bundle format), validated. */
import { PolicyError } from "../errors.js";

export interface WasmResolver {
  entrypoint: string;
  module: string;
}

export interface BundleManifest {
  revision: string;
  roots: string[];
  wasm: WasmResolver[];
  regoVersion?: number;
  metadata?: Record<string, unknown>;
}

export function parseManifest(bytes: Uint8Array | undefined): BundleManifest {
  if (bytes === undefined) return { revision: "", roots: [""], wasm: [] };
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (e) {
    throw invalid(`not valid UTF-8 JSON: ${(e as Error).message}`);
  }
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) throw invalid("must be a JSON object");
  const m = raw as Record<string, unknown>;
  if (m.revision !== undefined && typeof m.revision !== "string") throw invalid("revision must be a string");
  if (m.roots !== undefined && (!Array.isArray(m.roots) || !m.roots.every((r) => typeof r === "string"))) {
    throw invalid("roots must be an array of strings");
  }
  const wasm: WasmResolver[] = [];
  if (m.wasm !== undefined) {
    if (!Array.isArray(m.wasm)) throw invalid("wasm must be an array");
    for (const w of m.wasm) {
      const r = w as Record<string, unknown> | null;
      if (!r || typeof r.entrypoint !== "string" || typeof r.module !== "string") {
        throw invalid("wasm entries need string entrypoint and module");
      }
      wasm.push({ entrypoint: r.entrypoint, module: r.module });
    }
  }
  if (m.rego_version !== undefined && m.rego_version !== 0 && m.rego_version !== 1) {
    throw invalid("rego_version must be 0 or 1");
  }
  if (
    m.metadata !== undefined &&
    (m.metadata === null || typeof m.metadata !== "object" || Array.isArray(m.metadata))
  ) {
    throw invalid("metadata must be an object");
  }
  return {
    revision: (m.revision as string | undefined) ?? "",
    roots: (m.roots as string[] | undefined) ?? [""],
    wasm,
    regoVersion: m.rego_version as number | undefined,
    metadata: m.metadata as Record<string, unknown> | undefined,
  };
}

function invalid(why: string): PolicyError {
  return new PolicyError("bundle_invalid_manifest", `bundle /.manifest: ${why}`);
}
