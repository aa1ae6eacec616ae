/**
 * Test doubles for the identity and policy runtimes, used only by tests of the server and
 * ext_authz stages (the real modules are exercised by the e2e tests). The policy double does not
 * evaluate Rego: it returns scripted outcomes so that each response mapping can be driven.
 */
import type { AuthResult, CertificateEvidence } from "../../../src/identity/types.js";
import type { Decision, EvaluationOutcome } from "../../../src/policy/types.js";
import type { IdentityRuntime, PolicyRuntime, ReloadResult } from "../../../src/server/ports.js";

/** "FAKE-CERT <workload-id>" (URL-encoded) authenticates as that ID; anything else fails. */
export class FakeIdentity implements IdentityRuntime {
  ready = true;
  calls = 0;
  authenticate(e: CertificateEvidence): AuthResult {
    this.calls++;
    if (!e.sourceCertificate) return { ok: false, code: "no_certificate", message: "no client certificate" };
    let text: string;
    try {
      text = decodeURIComponent(e.sourceCertificate);
    } catch {
      return { ok: false, code: "certificate_malformed", message: "not URL-encoded" };
    }
    const m = /^FAKE-CERT (([a-z]+):\/\/([^/]+)(\/.*)?)$/.exec(text);
    if (!m) return { ok: false, code: "certificate_malformed", message: "not a certificate" };
    const identity = {
      id: m[1],
      scheme: m[2] as "spiffe",
      trustDomain: m[3],
      path: m[4] ?? "",
      method: "mtls" as const,
    };
    return { ok: true, identity };
  }
  cacheStats() {
    return { hits: 3, misses: 1 };
  }
}

export function decision(partial: Partial<Decision> & { allowed: boolean }): Decision {
  return {
    headers: {},
    responseHeadersToAdd: {},
    requestHeadersToRemove: [],
    queryParametersToSet: {},
    queryParametersToRemove: [],
    ...partial,
  };
}

/** Returns `next(input)`; records every input. Revision "rev-N" increments on reload. */
export class ScriptedPolicy implements PolicyRuntime {
  ready = true;
  revision = "rev-1";
  inputs: unknown[] = [];
  reloads = 0;
  failNextReload = false;
  private listeners: Array<(r: ReloadResult) => void> = [];
  constructor(public next: (input: Record<string, unknown>) => EvaluationOutcome) {}
  evaluate(input: unknown): EvaluationOutcome {
    this.inputs.push(input);
    return this.next(input as Record<string, unknown>);
  }
  async reload(): Promise<ReloadResult> {
    this.reloads++;
    if (this.failNextReload) {
      this.failNextReload = false;
      return { ok: false, revision: this.revision, error: "compile error: rego_parse_error" };
    }
    this.revision = `rev-${this.reloads + 1}`;
    this.ready = true;
    return { ok: true, revision: this.revision };
  }
  onReload(l: (r: ReloadResult) => void): void {
    this.listeners.push(l);
  }
  emit(r: ReloadResult): void {
    for (const l of this.listeners) l(r);
  }
}

export const allowAll =
  (revision = "rev-1") =>
  (): EvaluationOutcome => ({
    kind: "decision",
    decision: decision({ allowed: true }),
    revision,
  });
