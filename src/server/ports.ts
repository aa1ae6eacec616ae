/**
 * What the server needs from the identity and policy stages at run time, beyond their
 * per-request contracts (src/identity/types.ts, src/policy/types.ts): readiness, reload and
 * statistics. src/server/runtime/*.ts adapt the real modules to these; tests may pass doubles.
 */
import type { Authenticator } from "../extauthz/check.js";
import type { TokenAuthenticator } from "../identity/tokens/types.js";
import type { PolicyEngine } from "../policy/types.js";
import type { CacheStats } from "./metrics.js";

export interface ReloadResult {
  ok: boolean;
  /** Revision in force after the attempt. */
  revision: string;
  /** Why a reload failed (the previous policy stays). */
  error?: string;
}

export interface PolicyRuntime extends PolicyEngine {
  /** Recompiles / reloads from the configured source; never throws. */
  reload(): Promise<ReloadResult>;
  /** Registers a listener for reloads the runtime performs on its own (file watching). */
  onReload?(listener: (result: ReloadResult) => void): void;
  close?(): Promise<void> | void;
}

export interface IdentityRuntime extends Authenticator {
  /** True once trust bundles are loaded. */
  readonly ready: boolean;
  cacheStats?(): CacheStats;
  reload?(): Promise<ReloadResult>;
  onReload?(listener: (result: ReloadResult) => void): void;
  close?(): Promise<void> | void;
}

/** The application-level token stage (src/identity/tokens): optional, closed on stop. */
export interface TokenRuntime {
  authenticate: TokenAuthenticator["authenticate"];
  close?(): Promise<void> | void;
}

export interface Runtimes {
  identity: IdentityRuntime;
  policy: PolicyRuntime;
  /** Absent: requests carrying a Workload-Identity-Token are denied (tokens_not_configured). */
  tokens?: TokenRuntime;
}
