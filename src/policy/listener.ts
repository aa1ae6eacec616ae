/**
 * How the policy stage reports loads and reloads. The server turns these into logs and metrics
 * (time and status of the last reload, failure counter); src/policy itself has no metrics code.
 */
export type ReloadTrigger = "initial" | "watch" | "explicit";

export interface ReloadEvent {
  ok: boolean;
  trigger: ReloadTrigger;
  /** Source description, e.g. "bundle /etc/wimse/bundle.tar.gz". */
  source: string;
  /** Revision now in force (unchanged after a failure; "" when none). */
  revision: string;
  /** Revision that failed to load, when known. */
  rejectedRevision?: string;
  at: Date;
  durationMs: number;
  error?: { code: string; message: string };
}

export interface PolicyListener {
  onReload(event: ReloadEvent): void;
}
