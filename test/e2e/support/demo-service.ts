/**
 * The running service the end-to-end suites talk to: a fresh demo PKI in a temp directory, an
 * Envoy-like TLS listener that requires client certificates from the demo roots, and the service
 * (real identity stage, compiled policy from `policyDir`, and the token stage when asked) behind a
 * gRPC harness. Every runtime must come up ready, or start() throws.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../../src/config/load.js";
import type { Config } from "../../../src/config/types.js";
import type { HeaderValueOption } from "../../../src/gen/envoy/config/core/v3/base.js";
import type { DemoPkiManifest } from "../../../src/pki/write.js";
import { demoIdentity } from "../../../src/server/runtime/demo-pki.js";
import { createIdentityRuntime } from "../../../src/server/runtime/identity.js";
import { createPolicyRuntime } from "../../../src/server/runtime/policy.js";
import { createTokenRuntime } from "../../../src/server/runtime/tokens.js";
import { type Harness, startHarness } from "../../server/support/harness.js";
import { type EnvoyListener, type PeerView, startEnvoyListener } from "./envoy-tls.js";

export interface DemoService {
  /** The demo PKI directory. */
  readonly dir: string;
  readonly manifest: DemoPkiManifest;
  readonly envoy: EnvoyListener;
  readonly h: Harness;
  readonly config: Config;
  /** A file of the demo PKI. */
  read(rel: string): Buffer;
  /** The workload identifier of a demo workload. */
  id(workload: string): string;
  /** A real mTLS handshake as a demo workload: what Envoy would forward of it. */
  handshake(workload: string): Promise<PeerView>;
  close(): Promise<void>;
}

export async function startDemoService(opts: {
  /** Prefix of the temp directory. */
  prefix: string;
  policyDir: string;
  /** Service YAML (both for the runtimes and the harness). */
  yamlText?: string;
  /** Configure the service with --identity-demo-pki-dir (built-in defaults read the PKI from it). */
  pkiDirFlag?: boolean;
  /** Start the token stage (WIT keys from the demo PKI; implies pkiDirFlag). */
  tokens?: boolean;
}): Promise<DemoService> {
  const root = mkdtempSync(join(tmpdir(), opts.prefix));
  const dir = join(root, "demo-pki");
  let envoy: EnvoyListener | undefined;
  let h: Harness | undefined;
  const close = async () => {
    await h?.close();
    await envoy?.close();
    rmSync(root, { recursive: true, force: true });
  };
  try {
    const demo = await demoIdentity(dir);
    const manifest = demo.manifest;
    const read = (rel: string) => readFileSync(join(dir, rel));
    envoy = await startEnvoyListener({
      cert: read(manifest.workloads.envoy.chain),
      key: read(manifest.workloads.envoy.key),
      clientCas: [read(manifest.trustDomains.demo.root), read(manifest.trustDomains.demo2.root)],
      serverCa: [read(manifest.trustDomains.demo.root)],
    });
    const flags: Array<[string, string]> = [["--policy-dir", opts.policyDir]];
    if (opts.pkiDirFlag || opts.tokens) flags.push(["--identity-demo-pki-dir", dir]);
    const config = loadConfig({ yamlText: opts.yamlText, env: {}, flags });
    const identity = createIdentityRuntime({
      identity: config.identity,
      trustDomains: demo.trustDomains,
      trustedProxies: demo.trustedProxies,
      log: () => {},
    });
    const loaded = await identity.reload?.();
    if (!loaded?.ok || loaded.revision !== "") {
      throw new Error(`identity runtime did not load: ${JSON.stringify(loaded)}`);
    }
    const policy = await createPolicyRuntime(config.policy, (l) => process.stderr.write(`${l}\n`));
    if (!policy.ready) throw new Error("policy runtime is not ready");
    let tokens: Awaited<ReturnType<typeof createTokenRuntime>>;
    if (opts.tokens) {
      tokens = await createTokenRuntime({ config, demo: { dir, manifest }, log: () => {} });
      if (!tokens) throw new Error("token runtime was not created");
    }
    h = await startHarness({ identity, policy, tokens }, flags, opts.yamlText);
    const l = envoy;
    return {
      dir,
      manifest,
      envoy: l,
      h,
      config,
      read,
      id: (w) => manifest.workloads[w].id,
      handshake: (w) =>
        l.handshake({ cert: read(manifest.workloads[w].chain), key: read(manifest.workloads[w].key) }),
      close,
    };
  } catch (e) {
    await close();
    throw e;
  }
}

/** Response headers as a name -> value map. */
export function headerMap(list: HeaderValueOption[] | undefined): Record<string, string> {
  return Object.fromEntries((list ?? []).map((o) => [o.header?.key ?? "", o.header?.value ?? ""]));
}
