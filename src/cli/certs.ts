/**
 * `wimse-authz certs [--out DIR] [--force]`: writes the demo PKI (see src/pki/demo.ts for the layout).
 * Exit codes: 0 written, 1 refused or failed, 2 usage error.
 */
import { DemoPkiExistsError, generateDemoPki } from "../pki/write.js";

const USAGE = `usage: wimse-authz certs [--out DIR] [--force]
  --out DIR   output directory (default: demo-pki)
  --force     overwrite existing files
Issues a demo PKI: trust domains spiffe://demo.wimse-authz.local and wimse://demo2.wimse-authz.local,
workload certificates, CRLs and bundles, and a WIT issuer key per trust domain (DIR/<domain>/wit/:
issuer-key.pem mode 0600, jwks.json; its public key also in bundle.spiffe.json as a jwt-svid entry);
writes DIR/manifest.json listing every file.`;

export async function runCerts(argv: string[]): Promise<number> {
  let out = "demo-pki";
  let force = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--force") force = true;
    else if (a === "--out" && i + 1 < argv.length) out = argv[++i];
    else if (a.startsWith("--out=")) out = a.slice("--out=".length);
    else if (a === "--help" || a === "-h") {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    } else {
      process.stderr.write(`certs: unknown argument ${JSON.stringify(a)}\n${USAGE}\n`);
      return 2;
    }
  }
  if (out === "") {
    process.stderr.write(`certs: --out needs a directory\n${USAGE}\n`);
    return 2;
  }
  try {
    const manifest = await generateDemoPki(out, { force });
    process.stdout.write(
      `wrote demo PKI to ${out} (${manifest.files.length} files, see ${out}/manifest.json)\n`,
    );
    for (const d of Object.values(manifest.trustDomains)) {
      if (d.wit) process.stdout.write(`  WIT issuer of ${d.trustDomain}: kid ${d.wit.kid} (${d.wit.alg})\n`);
    }
    for (const [name, w] of Object.entries(manifest.workloads)) {
      process.stdout.write(`  ${name.padEnd(12)} ${w.id}${w.revoked ? "  (revoked)" : ""}\n`);
    }
    return 0;
  } catch (e) {
    if (e instanceof DemoPkiExistsError) {
      process.stderr.write(`certs: ${e.message}\n`);
      return 1;
    }
    process.stderr.write(`certs: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}
