/** The policy stage's public surface. */
export type { Decision, EvaluationOutcome, PolicyEngine } from "./types.js";
export { DEFAULT_ENTRYPOINT, type EngineOptions, WasmPolicyEngine } from "./engine.js";
export type { PolicyListener, ReloadEvent, ReloadTrigger } from "./listener.js";
export { type PolicySource, bundleFileSource, regoDirectorySource, sourceForPath } from "./source.js";
export { PolicyError, type PolicyErrorCode } from "./errors.js";
export { validateDecision } from "./decision.js";
export { loadBundleFile, parseBundle } from "./bundle/load.js";
export { loadRegoDirectory } from "./bundle/directory.js";
export type { PolicyBundle } from "./bundle/types.js";
export { hostBuiltins, hostBuiltinNames } from "./builtins/index.js";
