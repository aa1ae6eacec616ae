/**
 * `wimse-authz demo` (`npm run demo`): the local demo needing no Docker. Starts the service
 * in-process on built-in defaults (ephemeral loopback ports, demo PKI, policies/), makes real mTLS
 * calls through an emulated Envoy sidecar and the XFCC middlebox, then prints a table of calls,
 * identities, decisions and reasons, and the audit lines. Exit 0 when every call got the decision
 * the demo expects, 1 otherwise, 2 on a usage error.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { AuditRecord } from "../audit/record.js";
import { DemoPkiExistsError } from "../pki/write.js";
import { type DemoRow, executeScenarios, readAuditFile } from "./execute.js";
import { DEMO_SCENARIOS, type Scenario } from "./scenarios.js";
import { DemoStartError, startDemoService } from "./service.js";
import { renderAuditLine, renderTable } from "./table.js";

export interface DemoIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

export interface DemoReport {
  rows: DemoRow[];
  /** Every audit line the service wrote during the demo. */
  audit: AuditRecord[];
  /** Demo workload name -> its full identifier. */
  identities: Record<string, string>;
  ok: boolean;
}

const USAGE = `usage: wimse-authz demo [--pki-dir DIR] [--wide] [--raw-audit]

Starts the service in-process on built-in defaults (loopback, ephemeral ports), performs real mTLS
calls as demo workloads through an emulated Envoy sidecar and the XFCC middlebox, and prints the
decisions and the audit lines. Needs no Docker and does not touch a running service.

  --pki-dir DIR   use the demo PKI in DIR (generated there if DIR has no manifest.json);
                  default: a fresh demo PKI in a temporary folder, removed afterwards
  --wide          full identifiers in the table (default: demo workload names, with a legend)
  --raw-audit     print the audit lines as the service writes them (JSON), not reformatted`;

interface DemoArgs {
  help: boolean;
  pkiDir?: string;
  rawAudit: boolean;
  wide: boolean;
}

class DemoUsageError extends Error {}

function parseArgs(argv: string[]): DemoArgs {
  const args: DemoArgs = { help: false, rawAudit: false, wide: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--help" || a === "-h") args.help = true;
    else if (a === "--raw-audit") args.rawAudit = true;
    else if (a === "--wide") args.wide = true;
    else if (a === "--pki-dir") {
      const v = argv[++i];
      if (v === undefined || v === "") throw new DemoUsageError("--pki-dir needs a folder");
      args.pkiDir = resolve(v);
    } else throw new DemoUsageError(`unknown option ${JSON.stringify(a)}`);
  }
  return args;
}

/** Shows a demo workload's identifier by its name (the legend maps names to full identifiers). */
type Label = (id: string) => string;

function row(r: DemoRow, label: Label): string[] {
  const a = r.audit;
  return [
    String(r.index),
    r.scenario.title,
    r.transportPeer === ""
      ? "(no client cert)"
      : "impostor" in r.scenario.caller
        ? `"${label(r.transportPeer)}" (self-signed)`
        : label(r.transportPeer),
    a?.source_id ? label(a.source_id) : "-",
    a?.proxy_id ? label(a.proxy_id) : "-",
    `${r.scenario.method} ${r.scenario.path}`,
    r.scenario.tokens ? (r.scenario.tokens.proof === "wpt" ? "WIT+WPT" : "WIT+sig") : "-",
    expected(r.scenario.expect),
    a ? a.decision.toUpperCase() : "?",
    r.httpStatus === 0 ? "failed" : String(r.httpStatus),
    a?.reason_code ?? "?",
    r.mismatches.length === 0 ? "yes" : "NO",
  ];
}

function expected(e: Scenario["expect"]): string {
  return e.decision === "allow" ? "ALLOW" : `DENY ${e.httpStatus} ${e.reasonCode}`;
}

/** Runs the scenarios against a fresh in-process service; never prints. */
export async function runDemoScenarios(opts: {
  pkiDir: string;
  workDir: string;
  scenarios?: readonly Scenario[];
  /** Default: the policies/ folder shipped with the package. */
  policyDir?: string;
  log?: (line: string) => void;
}): Promise<DemoReport> {
  const auditFile = join(opts.workDir, "audit.jsonl");
  const service = await startDemoService({
    pkiDir: opts.pkiDir,
    auditFile,
    policyDir: opts.policyDir,
    log: opts.log ?? (() => {}),
  });
  let rows: DemoRow[];
  try {
    rows = await executeScenarios({
      service,
      pkiDir: opts.pkiDir,
      manifest: service.manifest,
      auditFile,
      scenarios: opts.scenarios ?? DEMO_SCENARIOS,
    });
  } finally {
    await service.stop();
  }
  const audit = await readAuditFile(auditFile);
  const identities = Object.fromEntries(
    Object.entries(service.manifest.workloads).map(([n, w]) => [n, w.id]),
  );
  return { rows, audit, identities, ok: rows.every((r) => r.mismatches.length === 0) };
}

export async function runDemo(argv: string[], io?: DemoIo): Promise<number> {
  if (!io) {
    // `npm run demo | head` closes the pipe early: stop writing instead of crashing on EPIPE.
    process.stdout.on("error", (e: NodeJS.ErrnoException) => {
      if (e.code !== "EPIPE") throw e;
    });
  }
  const out = io?.out ?? ((t: string) => process.stdout.write(t));
  const err = io?.err ?? ((t: string) => process.stderr.write(t));
  let args: DemoArgs;
  try {
    args = parseArgs(argv);
  } catch (e) {
    if (e instanceof DemoUsageError) {
      err(`demo: ${e.message}\n${USAGE}\n`);
      return 2;
    }
    throw e;
  }
  if (args.help) {
    out(`${USAGE}\n`);
    return 0;
  }
  const workDir = mkdtempSync(join(tmpdir(), "wimse-authz-demo-"));
  const pkiDir = args.pkiDir ?? join(workDir, "demo-pki");
  try {
    out(`wimse-authz demo: service on built-in defaults, demo PKI in ${pkiDir}\n`);
    let report: DemoReport;
    try {
      report = await runDemoScenarios({ pkiDir, workDir, log: (l) => err(`wimse-authz: ${l}\n`) });
    } catch (e) {
      if (!(e instanceof DemoStartError || e instanceof DemoPkiExistsError)) throw e;
      err(`demo: the service could not start (${e.code}): ${e.message}\n`);
      return 1;
    }
    const header = [
      "#",
      "scenario",
      "transport peer",
      "identity",
      "via proxy",
      "call",
      "tokens",
      "expected",
      "decision",
      "HTTP",
      "reason",
      "ok",
    ];
    const names = new Map(Object.entries(report.identities).map(([n, id]) => [id, n]));
    const label: Label = args.wide ? (id) => id : (id) => names.get(id) ?? id;
    if (!args.wide) {
      const used = new Set(
        report.rows.flatMap((r) => [r.transportPeer, r.audit?.source_id, r.audit?.proxy_id]),
      );
      out("\nidentities (full identifiers, compared whole by the policy):\n");
      for (const [n, id] of Object.entries(report.identities))
        if (used.has(id)) out(`  ${n.padEnd(10)} ${id}\n`);
    }
    out(
      `\n${renderTable(
        header,
        report.rows.map((r) => row(r, label)),
      )}\n`,
    );
    out(`\naudit lines (${report.audit.length}, one per Check):\n`);
    for (const a of report.audit) out(`${args.rawAudit ? JSON.stringify(a) : renderAuditLine(a)}\n`);
    const bad = report.rows.filter((r) => r.mismatches.length > 0);
    if (report.audit.length !== report.rows.length)
      err(`demo: MISMATCH: ${report.audit.length} audit lines for ${report.rows.length} calls\n`);
    for (const r of bad)
      err(`demo: MISMATCH in #${r.index} (${r.scenario.title}): ${r.mismatches.join("; ")}\n`);
    const ok = report.ok && report.audit.length === report.rows.length;
    out(
      ok
        ? `\nall ${report.rows.length} calls got the expected decision\n`
        : "\nthe demo did NOT behave as expected\n",
    );
    return ok ? 0 : 1;
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}
