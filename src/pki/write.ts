/**
 * Writes the demo PKI to disk (layout documented in demo.ts) with a manifest of every path.
 * Existing files are never overwritten unless `force` is set; private keys get mode 0600.
 */
import type { KeyObject } from "node:crypto";
import { chmod, mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { formatSpiffeBundle } from "../identity/bundle/spiffe-json.js";
import { type DemoPki, type DemoPkiOptions, generateDemoPkiInMemory } from "./demo.js";
import { exportPrivateKeyPem } from "./issue.js";
import { demoDomainPaths, demoWorkloadPaths } from "./layout.js";
import { formatWitJwks, formatWitSpiffeBundle } from "./tokens.js";

export interface DemoPkiManifest {
  version: 1;
  generatedAt: string;
  trustDomains: Record<
    string,
    {
      trustDomain: string;
      root: string;
      intermediate: string;
      bundlePem: string;
      bundleSpiffe: string;
      crl: string;
      /** WIT issuer (absent in demo PKIs written before WIT support): key file, JWKS, kid, alg. */
      wit?: { issuerKey: string; jwks: string; kid: string; alg: string };
    }
  >;
  workloads: Record<
    string,
    {
      id: string;
      trustDomain: string;
      dns: string[];
      revoked: boolean;
      cert: string;
      chain: string;
      key: string;
    }
  >;
  /** Every file written, relative to the output directory. */
  files: string[];
}

export class DemoPkiExistsError extends Error {
  readonly code = "pki_files_exist";
  constructor(readonly existing: string[]) {
    super(`refusing to overwrite ${existing.length} existing file(s) (use --force): ${existing.join(", ")}`);
  }
}

interface PlannedFile {
  path: string;
  content: string;
  secret: boolean;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

async function plan(
  pki: DemoPki,
  generatedAt: string,
): Promise<{ files: PlannedFile[]; manifest: DemoPkiManifest }> {
  const files: PlannedFile[] = [];
  const add = (path: string, content: string, secret = false) => {
    files.push({ path, content, secret });
    return path;
  };
  const manifest: DemoPkiManifest = { version: 1, generatedAt, trustDomains: {}, workloads: {}, files: [] };
  for (const d of Object.values(pki.domains)) {
    const p = demoDomainPaths(d.short);
    manifest.trustDomains[d.short] = {
      trustDomain: d.trustDomain,
      root: add(p.root, d.root.pem),
      intermediate: add(p.intermediate, d.intermediate.pem),
      bundlePem: add(p.bundlePem, d.root.pem),
      bundleSpiffe: add(p.bundleSpiffe, spiffeBundle(d)),
      crl: add(p.crl, d.crls.map((c) => c.pem).join("")),
      wit: {
        issuerKey: add(p.witIssuerKey, privatePem(d.witIssuer.privateKey), true),
        jwks: add(p.witJwks, formatWitJwks([d.witIssuer])),
        kid: d.witIssuer.kid,
        alg: d.witIssuer.alg,
      },
    };
  }
  for (const w of Object.values(pki.workloads)) {
    const p = demoWorkloadPaths(w.name);
    manifest.workloads[w.name] = {
      id: w.id,
      trustDomain: pki.domains[w.domain].trustDomain,
      dns: [...w.dns],
      revoked: w.revoked === true,
      cert: add(p.cert, w.cert.pem),
      chain: add(p.chain, w.cert.pem + pki.domains[w.domain].intermediate.pem),
      key: add(p.key, await exportPrivateKeyPem(w.cert.keys.privateKey), true),
    };
  }
  manifest.files = [...files.map((f) => f.path), "manifest.json"];
  files.push({ path: "manifest.json", content: `${JSON.stringify(manifest, null, 2)}\n`, secret: false });
  return { files, manifest };
}

/** The trust domain's SPIFFE bundle: its X.509 root and its WIT issuer key (a jwt-svid entry). */
function spiffeBundle(d: DemoPki["domains"][keyof DemoPki["domains"]]): string {
  const x509 = JSON.parse(formatSpiffeBundle([d.root.der])) as { keys: object[] };
  return formatWitSpiffeBundle([d.witIssuer], { sequence: 1, refreshHint: 300, x509Entries: x509.keys });
}

function privatePem(key: KeyObject): string {
  return key.export({ format: "pem", type: "pkcs8" }).toString();
}

/** Issues the demo PKI and writes it under outDir. Throws DemoPkiExistsError when files exist. */
export async function generateDemoPki(
  outDir: string,
  opts: DemoPkiOptions & { force?: boolean } = {},
): Promise<DemoPkiManifest> {
  const pki = await generateDemoPkiInMemory(opts);
  const { files, manifest } = await plan(pki, new Date().toISOString());
  if (!opts.force) {
    const existing: string[] = [];
    for (const f of files) if (await exists(join(outDir, f.path))) existing.push(f.path);
    if (existing.length > 0) throw new DemoPkiExistsError(existing);
  }
  for (const f of files) {
    const path = join(outDir, f.path);
    await mkdir(dirname(path), { recursive: true });
    const mode = f.secret ? 0o600 : 0o644;
    await writeFile(path, f.content, { mode, flag: opts.force ? "w" : "wx" });
    // writeFile's mode applies only on creation; enforce it when an existing file was replaced.
    await chmod(path, mode);
  }
  return manifest;
}

/**
 * For a first start: returns the existing demo PKI's manifest, or generates the PKI when the
 * directory holds no manifest yet. Never overwrites files (a partial directory is an error).
 */
export async function ensureDemoPki(
  outDir: string,
  opts: DemoPkiOptions = {},
): Promise<{ created: boolean; manifest: DemoPkiManifest }> {
  const path = join(outDir, "manifest.json");
  if (await exists(path)) {
    const manifest = JSON.parse(await readFile(path, "utf8")) as DemoPkiManifest;
    if (manifest.version !== 1) throw new Error(`${path}: unsupported manifest version`);
    return { created: false, manifest };
  }
  return { created: true, manifest: await generateDemoPki(outDir, opts) };
}
