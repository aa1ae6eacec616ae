/**
 * Runs the demo scenarios against a started service: a verifying sidecar and an ACCEPT_UNTRUSTED
 * sidecar (both in front of the backend), the middlebox in front of the verifying sidecar, and one
 * real mTLS connection per call. Results are joined with the audit lines by x-request-id.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { AuditRecord } from "../audit/record.js";
import type { DemoPkiManifest } from "../pki/write.js";
import { call } from "./client.js";
import { xfccElement } from "./envoy-encoding.js";
import { selfSignedImpostor } from "./impostor.js";
import { startMiddlebox } from "./middlebox.js";
import { DEMO_TOKEN_TARGETS } from "../pki/demo.js";
import { httpSigHeaders, mintWorkloadWit, type WorkloadWit, wptHeaders } from "../pki/workload-tokens.js";
import type { Expectation, Scenario } from "./scenarios.js";
import type { DemoService } from "./service.js";
import { type Sidecar, startSidecar } from "./sidecar.js";
import { X509Certificate } from "node:crypto";

export interface DemoRow {
  index: number;
  scenario: Scenario;
  requestId: string;
  /** Principal of the TLS peer the sidecar saw ("" = no client certificate). */
  transportPeer: string;
  /** HTTP status the caller received (0: the connection failed). */
  httpStatus: number;
  callError?: string;
  /** The audit line for this call, if one was written. */
  audit?: AuditRecord;
  /** Differences from the scenario's expectation (empty: as expected). */
  mismatches: string[];
}

function pemCerts(pem: Buffer): Buffer[] {
  const blocks =
    pem.toString("utf8").match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((b) => Buffer.from(new X509Certificate(b).raw));
}

export function compare(expect: Expectation, httpStatus: number, audit: AuditRecord | undefined): string[] {
  const out: string[] = [];
  if (!audit) return ["no audit line was written for this call"];
  if (audit.decision !== expect.decision) out.push(`decision ${audit.decision}, expected ${expect.decision}`);
  if (audit.reason_code !== expect.reasonCode)
    out.push(`reason ${audit.reason_code}, expected ${expect.reasonCode}`);
  if (httpStatus !== expect.httpStatus) out.push(`HTTP status ${httpStatus}, expected ${expect.httpStatus}`);
  if (audit.http_status !== httpStatus && audit.decision !== "allow")
    out.push(`audit http_status ${audit.http_status} differs from the ${httpStatus} the caller got`);
  return out;
}

export async function executeScenarios(opts: {
  service: DemoService;
  pkiDir: string;
  manifest: DemoPkiManifest;
  auditFile: string;
  scenarios: readonly Scenario[];
}): Promise<DemoRow[]> {
  const { manifest, pkiDir } = opts;
  const read = (rel: string) => readFile(join(pkiDir, rel));
  const workload = (name: string) => {
    const w = manifest.workloads[name];
    if (!w) throw new Error(`the demo PKI has no workload ${JSON.stringify(name)}`);
    return w;
  };
  const roots = await Promise.all(Object.values(manifest.trustDomains).map((d) => read(d.root)));
  const backend = workload("backend");
  const middleboxId = workload("middlebox");
  const sidecarCert = { cert: await read(backend.chain), key: await read(backend.key) };
  const sidecars: Record<"sidecar" | "sidecar-accept-untrusted", Sidecar> = {
    sidecar: await startSidecar({
      mode: "verify",
      ...sidecarCert,
      clientCas: roots,
      destination: backend.id,
      check: opts.service.check,
    }),
    "sidecar-accept-untrusted": await startSidecar({
      mode: "accept-untrusted",
      ...sidecarCert,
      clientCas: roots,
      destination: backend.id,
      check: opts.service.check,
    }),
  };
  const middlebox = await startMiddlebox({
    cert: await read(middleboxId.chain),
    key: await read(middleboxId.key),
    cas: roots,
    upstream: { port: sidecars.sidecar.port, servername: "backend" },
  });
  // C of the token chain: billing's sidecar, reached through the middlebox without XFCC.
  const billing = workload("billing");
  const billingSidecar = await startSidecar({
    mode: "verify",
    cert: await read(billing.chain),
    key: await read(billing.key),
    clientCas: roots,
    destination: billing.id,
    check: opts.service.check,
  });
  const tokenMiddlebox = await startMiddlebox({
    cert: await read(middleboxId.chain),
    key: await read(middleboxId.key),
    cas: roots,
    upstream: { port: billingSidecar.port, servername: "billing" },
    forwardClientCert: false,
  });
  const wits = new Map<string, WorkloadWit>();
  const sentTokens = new Map<string, Record<string, string>>();
  const tokenHeaders = async (s: Scenario): Promise<Record<string, string>> => {
    const t = s.tokens;
    if (!t) return {};
    if (t.replayOf !== undefined) {
      const earlier = sentTokens.get(t.replayOf);
      if (!earlier) throw new Error(`scenario ${JSON.stringify(s.title)} replays one that has not run`);
      return earlier;
    }
    let wit = wits.get(t.as);
    if (!wit) {
      wit = await mintWorkloadWit({ pkiDir, manifest, workload: t.as });
      wits.set(t.as, wit);
    }
    const target = DEMO_TOKEN_TARGETS.billing;
    const req = {
      method: s.method,
      url: `${target}${s.path}`,
      audience: t.audience ?? target,
      ...(s.body !== undefined ? { body: s.body, headers: { "content-type": "application/json" } } : {}),
    };
    const h = t.proof === "wpt" ? await wptHeaders(wit, req) : httpSigHeaders(wit, req);
    sentTokens.set(s.title, h);
    return h;
  };
  const impostor = await selfSignedImpostor(workload("frontend").id);
  const calls: Array<Omit<DemoRow, "audit" | "mismatches" | "transportPeer">> = [];
  try {
    for (const [i, s] of opts.scenarios.entries()) {
      const requestId = `demo-${String(i + 1).padStart(2, "0")}`;
      let creds: { cert?: Buffer; key?: Buffer } = {};
      if ("workload" in s.caller) {
        const w = workload(s.caller.workload);
        creds = { cert: await read(w.chain), key: await read(w.key) };
      } else if ("impostor" in s.caller) creds = impostor;
      const headers: Record<string, string> = { ...(await tokenHeaders(s)), "x-request-id": requestId };
      if (s.body !== undefined) headers["content-type"] ??= "application/json";
      if (s.forgedXfccFor !== undefined && "workload" in s.caller) {
        const chain = pemCerts(await read(workload(s.forgedXfccFor).chain));
        headers["x-forwarded-client-cert"] = xfccElement({
          by: workload(s.caller.workload).id,
          leaf: chain[0],
          chain,
        });
      }
      const target =
        s.entry === "middlebox"
          ? { port: middlebox.port, servername: "middlebox" }
          : s.entry === "middlebox-tokens"
            ? { port: tokenMiddlebox.port, servername: "middlebox" }
            : { port: sidecars[s.entry].port, servername: "backend" };
      const res = await call({
        ...target,
        ...creds,
        ca: roots,
        method: s.method,
        path: s.path,
        headers,
        ...(s.body !== undefined ? { body: s.body } : {}),
      });
      calls.push({ index: i + 1, scenario: s, requestId, httpStatus: res.status, callError: res.error });
    }
  } finally {
    await tokenMiddlebox.close();
    await billingSidecar.close();
    await middlebox.close();
    await sidecars.sidecar.close();
    await sidecars["sidecar-accept-untrusted"].close();
  }
  await opts.service.flushAudit();
  const audit = await readAuditFile(opts.auditFile);
  return calls.map((c) => {
    const line = audit.find((r) => r.request_id === c.requestId);
    const entry = c.scenario.entry;
    const sidecar =
      entry === "middlebox"
        ? sidecars.sidecar
        : entry === "middlebox-tokens"
          ? billingSidecar
          : sidecars[entry];
    const seen = sidecar.seen.get(c.requestId);
    const mismatches = compare(c.scenario.expect, c.httpStatus, line);
    if (c.callError) mismatches.unshift(`the call failed: ${c.callError}`);
    return { ...c, transportPeer: seen?.transportPeer ?? "", audit: line, mismatches };
  });
}

/** Parses the audit file (one JSON object per line); a line that is not JSON is an error. */
export async function readAuditFile(path: string): Promise<AuditRecord[]> {
  const text = await readFile(path, "utf8").catch((e: NodeJS.ErrnoException) => {
    if (e.code === "ENOENT") return "";
    throw e;
  });
  return text
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as AuditRecord);
}
