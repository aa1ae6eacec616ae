/**
 * A real demo PKI for the deploy tests: generated with the project's own generator
 * (`wimse-authz certs`, src/pki) into a temporary directory, then laid out per identity by
 * envoy/compose/cert-init.mjs exactly as the docker-compose cert-init service does.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type DemoPkiManifest, generateDemoPki } from "../../../src/pki/write.js";
import { REPO } from "./envoy-files.js";

export interface DemoLayout {
  root: string;
  /** As written by `wimse-authz certs --out`. */
  pkiDir: string;
  /** As laid out by cert-init.mjs: identity/<workload>/..., trust/<domain>/... */
  outDir: string;
  manifest: DemoPkiManifest;
  cleanup(): void;
}

export async function makeDemoLayout(): Promise<DemoLayout> {
  const root = mkdtempSync(join(tmpdir(), "wimse-deploy-"));
  const pkiDir = join(root, "pki");
  const outDir = join(root, "out");
  await generateDemoPki(pkiDir, {});
  const r = spawnSync(
    process.execPath,
    [join(REPO, "envoy", "compose", "cert-init.mjs"), "--pki", pkiDir, "--out", outDir],
    { encoding: "utf8" },
  );
  if (r.status !== 0) throw new Error(`cert-init.mjs failed (${r.status}): ${r.stderr}`);
  const manifest = JSON.parse(readFileSync(join(pkiDir, "manifest.json"), "utf8")) as DemoPkiManifest;
  return { root, pkiDir, outDir, manifest, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

export interface Mount {
  /** Path inside the container. */
  target: string;
  /** Where its content is in the test's layout. */
  source: string;
}

/** Maps a container path to the test layout through the longest mount that covers it. */
export function resolveInLayout(path: string, mounts: readonly Mount[]): string | undefined {
  let best: Mount | undefined;
  for (const m of mounts) {
    const covers = path === m.target || path.startsWith(`${m.target}/`);
    if (covers && (!best || m.target.length > best.target.length)) best = m;
  }
  return best ? join(best.source, path.slice(best.target.length)) : undefined;
}
