import type { InputPath } from "../../rego/index.js";
import type { DataDoc } from "./data.js";
import type { BundleManifest } from "./manifest.js";

/** A policy ready to instantiate: a Wasm module (OPA ABI), its base data and a revision. */
export interface PolicyBundle {
  wasm: Uint8Array;
  data: DataDoc;
  /** Manifest revision, or a content hash ("sha256:…") when the manifest has none. */
  revision: string;
  /** Entrypoints the bundle declares (manifest wasm resolvers, or those compiled). */
  entrypoints: string[];
  manifest: BundleManifest;
  /** Paths of the .rego sources carried in the bundle (informational). */
  sources: string[];
  /**
   * The only input paths the module can read (our compiler's analysis; src/policy/projection.ts).
   * Absent for bundles built elsewhere (`opa build` tarballs): the policy gets the whole input.
   */
  inputPaths?: InputPath[];
  /**
   * Compiled here and calling only pure built-ins (CompileResult.deterministic): the engine may
   * reuse a decision for an equal projected input. Absent for bundles built elsewhere.
   */
  deterministic?: boolean;
}
