/**
 * `wimse-authz tokens`: mints WIMSE credentials for a demo workload from the demo PKI's WIT issuer
 * (written by `wimse-authz certs`): a WIT with a fresh proof key, and a WPT or HTTP Message
 * Signature headers for ONE request, printed as curl arguments (or plain headers, or JSON).
 * A WPT / signature nonce is single-use (the service keeps a replay cache): mint again per request.
 * Exit codes: 0 printed, 1 failed (no demo PKI, unknown workload), 2 usage error.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { DEMO_TOKEN_TARGETS } from "../pki/demo.js";
import { DemoTokenError, httpSigHeaders, mintWorkloadWit, wptHeaders } from "../pki/workload-tokens.js";
import type { DemoPkiManifest } from "../pki/write.js";

const DEFAULT_URL = `${DEMO_TOKEN_TARGETS.billing}/invoices`;

const USAGE = `usage: wimse-authz tokens [--workload NAME] [--url URL] [--aud URI] [--method M] [--data BODY]
                          [--proof wpt|http-sig] [--pki-dir DIR] [--lifetime SECONDS] [--format curl|headers|json]
  --workload NAME   demo workload the WIT names (default backend)
  --url URL         the request the proof is for (default ${DEFAULT_URL})
  --aud URI         WPT aud / wimse-aud: one of the callee's target URIs (default: the URL's origin)
  --method M        HTTP method (default GET; signed by http-sig)
  --data BODY       request body (http-sig: Content-Digest is added and signed)
  --proof KIND      wpt (default) or http-sig
  --pki-dir DIR     demo PKI folder (default demo-pki; write one with wimse-authz certs)
  --lifetime S      proof lifetime in seconds (default 60; the service refuses more than 300)
  --format F        curl (default: -H arguments), headers (Name: value lines) or json
The WIT is signed by the demo WIT issuer of the workload's trust domain; the proof key is fresh
and never written. Tokens are credentials: do not paste them into logs or tickets.`;

interface TokensArgs {
  workload: string;
  url: string;
  aud?: string;
  method: string;
  data?: string;
  proof: "wpt" | "http-sig";
  pkiDir: string;
  lifetime: number;
  format: "curl" | "headers" | "json";
}

class UsageError extends Error {}

const OPTIONS = new Set([
  "--workload",
  "--url",
  "--aud",
  "--method",
  "--data",
  "--proof",
  "--pki-dir",
  "--lifetime",
  "--format",
]);

function parse(argv: string[]): TokensArgs | "help" {
  const a: TokensArgs = {
    workload: "backend",
    url: DEFAULT_URL,
    method: "GET",
    proof: "wpt",
    pkiDir: "demo-pki",
    lifetime: 60,
    format: "curl",
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--help" || arg === "-h") return "help";
    const eq = arg.indexOf("=");
    const name = eq >= 0 ? arg.slice(0, eq) : arg;
    if (!OPTIONS.has(name)) throw new UsageError(`unknown argument ${JSON.stringify(arg)}`);
    const value = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined) throw new UsageError(`${name} needs a value`);
    switch (name) {
      case "--workload":
        a.workload = value;
        break;
      case "--url":
        a.url = value;
        break;
      case "--aud":
        a.aud = value;
        break;
      case "--method":
        if (!/^[A-Z]+$/.test(value)) throw new UsageError("--method expects an upper-case HTTP method");
        a.method = value;
        break;
      case "--data":
        a.data = value;
        break;
      case "--proof":
        if (value !== "wpt" && value !== "http-sig") throw new UsageError("--proof expects wpt or http-sig");
        a.proof = value;
        break;
      case "--pki-dir":
        a.pkiDir = value;
        break;
      case "--lifetime":
        if (!/^\d+$/.test(value) || Number(value) < 1)
          throw new UsageError("--lifetime expects seconds (>= 1)");
        a.lifetime = Number(value);
        break;
      case "--format":
        if (value !== "curl" && value !== "headers" && value !== "json")
          throw new UsageError("--format expects curl, headers or json");
        a.format = value;
        break;
      default:
        throw new UsageError(`unknown argument ${JSON.stringify(arg)}`);
    }
  }
  let url: URL;
  try {
    url = new URL(a.url);
  } catch {
    throw new UsageError(`--url: ${JSON.stringify(a.url)} is not an absolute URL`);
  }
  a.aud ??= url.origin;
  return a;
}

/** Header names as sent on the wire (display only). */
const DISPLAY: Record<string, string> = {
  "workload-identity-token": "Workload-Identity-Token",
  "workload-proof-token": "Workload-Proof-Token",
  "signature-input": "Signature-Input",
  signature: "Signature",
  "content-digest": "Content-Digest",
  "content-length": "Content-Length",
};

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export async function runTokens(argv: string[]): Promise<number> {
  let args: TokensArgs | "help";
  try {
    args = parse(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`tokens: ${e.message}\n${USAGE}\n`);
      return 2;
    }
    throw e;
  }
  if (args === "help") {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  let manifest: DemoPkiManifest;
  try {
    manifest = JSON.parse(await readFile(join(args.pkiDir, "manifest.json"), "utf8")) as DemoPkiManifest;
  } catch (e) {
    process.stderr.write(
      `tokens: no demo PKI in ${args.pkiDir} (${(e as Error).message}); write one with: wimse-authz certs --out ${args.pkiDir}\n`,
    );
    return 1;
  }
  try {
    const wit = await mintWorkloadWit({ pkiDir: args.pkiDir, manifest, workload: args.workload });
    const req = {
      method: args.method,
      url: args.url,
      audience: args.aud as string,
      lifetimeSeconds: args.lifetime,
      ...(args.data !== undefined ? { body: args.data } : {}),
    };
    const headers = args.proof === "wpt" ? await wptHeaders(wit, req) : httpSigHeaders(wit, req);
    if (args.format === "json") {
      process.stdout.write(
        `${JSON.stringify({ sub: wit.sub, kid: wit.kid, aud: args.aud, headers }, null, 2)}\n`,
      );
    } else if (args.format === "headers") {
      for (const [k, v] of Object.entries(headers)) process.stdout.write(`${DISPLAY[k] ?? k}: ${v}\n`);
    } else {
      const parts = Object.entries(headers).map(([k, v]) => `-H ${shellQuote(`${DISPLAY[k] ?? k}: ${v}`)}`);
      if (args.data !== undefined) parts.push(`--data-binary ${shellQuote(args.data)}`);
      process.stdout.write(`${parts.join(" \\\n  ")}\n`);
    }
    process.stderr.write(
      `tokens: ${args.proof === "wpt" ? "WIT + WPT" : "WIT + HTTP signature"} for ${wit.sub} (issuer kid ${wit.kid}), ${args.method} ${args.url}, audience ${args.aud}; the proof is single-use and valid ${args.lifetime} s\n`,
    );
    return 0;
  } catch (e) {
    if (e instanceof DemoTokenError) {
      process.stderr.write(`tokens: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}
