/**
 * x509-limbo runner: `npm run conformance:x509 -- FILE`. Every case goes through the product's own
 * code: parsePemCert / verifyPath (RFC 5280 profile: limbo's leaves may be CA certificates, see
 * allowCaLeaf) and verifyDnsName / verifyIpAddress for expected_peer_name. Prints `PASS <id>` or
 * `FAIL <id> <reason>` per case (FAIL when our verdict differs from expected_result) and a last
 * line `N passed, N failed`. Exit code 0 always when the file was read; the test decides.
 */
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import {
  type EkuMode,
  type KeyUsageName,
  type ParsedCert,
  parsePemCert,
  verifyDnsName,
  verifyIpAddress,
  verifyPath,
} from "../../src/identity/x509/index.js";

interface LimboCase {
  id: string;
  trusted_certs: string[];
  untrusted_intermediates: string[];
  peer_certificate: string;
  validation_time: string | null;
  extended_key_usage: string[] | null;
  key_usage: string[] | null;
  max_chain_depth: number | null;
  expected_peer_name: { kind: string; value: string } | null;
  expected_result: "SUCCESS" | "FAILURE";
}

export interface CaseOutcome {
  id: string;
  pass: boolean;
  /** Our verdict: "SUCCESS" or the rejection code and message. */
  verdict: string;
}

function parseAll(pems: string[]): ParsedCert[] {
  const out: ParsedCert[] = [];
  for (const pem of pems) {
    try {
      out.push(parsePemCert(pem));
    } catch {
      // An unparseable trusted or untrusted certificate can never be part of a path.
    }
  }
  return out;
}

/** Our verdict for one case: undefined for SUCCESS, else the reason. */
export function judge(c: LimboCase): string | undefined {
  let leaf: ParsedCert;
  try {
    leaf = parsePemCert(c.peer_certificate);
  } catch (e) {
    return `peer certificate: ${(e as { code?: string }).code ?? "error"}: ${(e as Error).message}`;
  }
  const eku: EkuMode = c.extended_key_usage ? { ifPresent: c.extended_key_usage } : "serverAuth";
  const result = verifyPath({
    leaf,
    intermediates: parseAll(c.untrusted_intermediates),
    anchors: parseAll(c.trusted_certs),
    time: c.validation_time ? new Date(c.validation_time) : new Date(),
    maxDepth: c.max_chain_depth ?? undefined,
    eku,
    keyUsage: c.key_usage ? { required: c.key_usage as KeyUsageName[] } : undefined,
    allowCaLeaf: true,
  });
  if (!result.ok) return `${result.code}: ${result.message}`;
  const name = c.expected_peer_name;
  if (name) {
    const matched =
      name.kind === "DNS"
        ? verifyDnsName(leaf, name.value)
        : name.kind === "IP"
          ? verifyIpAddress(leaf, name.value)
          : false;
    if (!matched) return `x509_name_mismatch: ${name.kind} ${name.value} does not match the peer certificate`;
  }
  return undefined;
}

export function runLimbo(file: string): CaseOutcome[] {
  const data = JSON.parse(readFileSync(file, "utf8")) as { testcases: LimboCase[] };
  return data.testcases.map((c) => {
    let reason: string | undefined;
    try {
      reason = judge(c);
    } catch (e) {
      reason = `exception: ${(e as Error).message}`;
    }
    const got = reason === undefined ? "SUCCESS" : "FAILURE";
    return { id: c.id, pass: got === c.expected_result, verdict: reason ?? "SUCCESS" };
  });
}

function main(): void {
  const file = process.argv[2];
  if (!file) {
    console.error("usage: npm run conformance:x509 -- FILE");
    process.exit(2);
  }
  const outcomes = runLimbo(file);
  for (const o of outcomes) {
    const why = o.verdict === "SUCCESS" ? "accepted, but FAILURE was expected" : o.verdict;
    console.log(o.pass ? `PASS ${o.id}` : `FAIL ${o.id} ${why}`);
  }
  const passed = outcomes.filter((o) => o.pass).length;
  console.log(`${passed} passed, ${outcomes.length - passed} failed`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
