/** OPA-format bundle (tar.gz) -> PolicyBundle. */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { PolicyError } from "../errors.js";
import { isDataFile, mergeData, parseDataFile } from "./data.js";
import { parseManifest } from "./manifest.js";
import { DEFAULT_TAR_LIMITS, type TarLimits, readTarGz } from "./tar.js";
import type { PolicyBundle } from "./types.js";

export async function loadBundleFile(
  file: string,
  limits: TarLimits = DEFAULT_TAR_LIMITS,
): Promise<PolicyBundle> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (e) {
    throw new PolicyError("bundle_unreadable", `cannot read bundle ${file}: ${(e as Error).message}`);
  }
  if (bytes.byteLength > limits.maxTotalBytes) {
    throw new PolicyError("bundle_too_large", `bundle ${file} exceeds ${limits.maxTotalBytes} bytes`);
  }
  return parseBundle(bytes, limits);
}

export async function parseBundle(
  bytes: Uint8Array,
  limits: TarLimits = DEFAULT_TAR_LIMITS,
): Promise<PolicyBundle> {
  const files = await readTarGz(bytes, limits);
  const manifest = parseManifest(files.get(".manifest"));
  const wasm = files.get("policy.wasm");
  if (!wasm) throw new PolicyError("bundle_missing_wasm", "bundle has no /policy.wasm");
  for (const w of manifest.wasm) {
    if (w.module.replace(/^\/+/, "") !== "policy.wasm") {
      throw new PolicyError(
        "bundle_invalid_manifest",
        `bundle /.manifest names module ${w.module}; only /policy.wasm is loaded`,
      );
    }
  }
  const dataFiles = [...files.entries()]
    .filter(([p]) => isDataFile(p))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([relPath, b]) => ({ relPath, value: parseDataFile(relPath, b) }));
  const data = mergeData(dataFiles);
  const revision =
    manifest.revision || `sha256:${createHash("sha256").update(bytes).digest("hex").slice(0, 16)}`;
  return {
    wasm,
    data,
    revision,
    entrypoints: manifest.wasm.map((w) => w.entrypoint),
    manifest,
    sources: [...files.keys()].filter((p) => p.endsWith(".rego")),
  };
}
