/**
 * docker-compose.yml against envoy/, the authz configuration and a real demo PKI laid out by
 * cert-init.mjs: pinned images, mounts (every path a container reads exists, every private key
 * reaches only its owner), reachability (each upstream dials a service that listens on that
 * port with exactly the identity the cluster pins) and start-up ordering.
 */
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ComposeService, loadCompose, netnsOwner } from "./lib/compose-file.js";
import { type DemoLayout, makeDemoLayout, type Mount, resolveInLayout } from "./lib/demo-layout.js";
import {
  at,
  clusterEndpoints,
  clusters,
  ENVOY_DIR,
  envoyFiles,
  type Json,
  listeners,
  obj,
  pinnedUriSans,
  REPO,
  readYaml,
  referencedPaths,
  socketAddress,
} from "./lib/envoy-files.js";
import { serviceDefaults } from "./lib/service-defaults.js";

const compose = loadCompose();
const byName = new Map(compose.services.map((s) => [s.name, s]));
const ENVOY_CONFIG = "/etc/envoy/envoy.yaml";
const AUTHZ_CONFIG_FILE = "envoy/compose/authz.yaml";

function service(name: string): ComposeService {
  const s = byName.get(name);
  if (!s) throw new Error(`no service ${name}`);
  return s;
}

const isEnvoy = (s: ComposeService) => s.image.startsWith("envoyproxy/envoy:");
const envoyServices = compose.services.filter(isEnvoy);
const certInit = service("cert-init");

/** Where cert-init puts each named volume, relative to its --out root (/out). */
function certInitVolumeDir(volume: string): string | undefined {
  const m = certInit.mounts.find((x) => x.kind === "volume" && x.source === volume);
  return m && (m.target === "/out" || m.target.startsWith("/out/"))
    ? m.target.slice("/out".length)
    : undefined;
}

let layout: DemoLayout;
beforeAll(async () => {
  layout = await makeDemoLayout();
});
afterAll(() => layout?.cleanup());

/** The container's mounts, translated to the test's PKI layout (named volumes) or the repo (binds). */
function layoutMounts(s: ComposeService): Mount[] {
  return s.mounts.flatMap((m): Mount[] => {
    if (m.kind === "bind") return [{ target: m.target, source: join(REPO, m.source) }];
    const dir = certInitVolumeDir(m.source);
    return dir === undefined ? [] : [{ target: m.target, source: join(layout.outDir, dir) }];
  });
}

function envoyConfigOf(s: ComposeService): { file: string; doc: Json } {
  const m = s.mounts.find((x) => x.target === ENVOY_CONFIG);
  if (m?.kind !== "bind") throw new Error(`${s.name}: no Envoy config bind-mounted at ${ENVOY_CONFIG}`);
  return { file: m.source, doc: obj(readYaml(join(REPO, m.source)), m.source) };
}

/** The demo workload whose identity volume is mounted at `target` in service `s`. */
function identityAt(s: ComposeService, target: string): string | undefined {
  const m = s.mounts.find((x) => x.target === target && x.kind === "volume");
  const dir = m ? certInitVolumeDir(m.source) : undefined;
  const match = dir ? /^\/identity\/([^/]+)$/.exec(dir) : null;
  return match?.[1];
}

function authzConfig(): Json {
  return obj(readYaml(join(REPO, AUTHZ_CONFIG_FILE)), AUTHZ_CONFIG_FILE);
}

describe("docker-compose.yml: images and services", () => {
  it("has the services of the demo", () => {
    expect(compose.services.map((s) => s.name).sort()).toEqual(
      [
        "authz",
        "backend",
        "backend-app",
        "backend-edge",
        "billing",
        "billing-app",
        "cert-init",
        "frontend",
        "frontend-app",
        "middlebox",
      ].sort(),
    );
  });

  it.each(compose.services.map((s) => [s.name, s.image]))(
    "%s: official image pinned by version (%s)",
    (_n, image) => {
      expect(image).toMatch(/^(node:\d+\.\d+\.\d+-bookworm-slim|envoyproxy\/envoy:v\d+\.\d+\.\d+)$/);
    },
  );

  it("runs Envoy 1.31 (the API generation the configs are written and checked for) and Node 20", () => {
    for (const s of envoyServices) expect(s.image).toMatch(/^envoyproxy\/envoy:v1\.31\.\d+$/);
    for (const s of compose.services.filter((x) => !isEnvoy(x))) expect(s.image).toMatch(/^node:20\./);
  });

  it("declares every named volume it uses", () => {
    const used = new Set(
      compose.services.flatMap((s) => s.mounts.filter((m) => m.kind === "volume").map((m) => m.source)),
    );
    expect([...used].sort()).toEqual([...compose.volumes].sort());
  });
});

describe("docker-compose.yml: Envoy containers", () => {
  it.each(envoyServices.map((s) => [s.name, s]))("%s runs a validated envoy/ file", (_n, s) => {
    expect(s.command.slice(0, 3)).toEqual(["envoy", "-c", ENVOY_CONFIG]);
    const { file } = envoyConfigOf(s);
    expect(file.startsWith("envoy/")).toBe(true);
    expect(envoyFiles()).toContain(file.slice("envoy/".length));
    expect(s.readOnly).toBe(true);
  });

  it.each(envoyServices.map((s) => [s.name, s]))(
    "%s: every file its config reads exists in the PKI layout",
    (_n, s) => {
      const { doc } = envoyConfigOf(s);
      const mounts = layoutMounts(s);
      const { files, dirs } = referencedPaths(doc);
      for (const p of files) {
        const local = resolveInLayout(p, mounts);
        expect(local, `${p} is not under any mount of ${s.name}`).toBeDefined();
        expect(statSync(local ?? "").isFile(), p).toBe(true);
      }
      for (const d of dirs) expect(statSync(resolveInLayout(d, mounts) ?? "").isDirectory(), d).toBe(true);
    },
  );

  it.each(envoyServices.map((s) => [s.name, s]))("%s: holds exactly its own identity", (_n, s) => {
    const expected = s.name === "middlebox" ? "middlebox" : netnsOwner(s);
    expect(identityAt(s, "/etc/wimse/identity")).toBe(expected);
    const usesAuthz = clusters(envoyConfigOf(s).doc).some((c) => c.name === "ext_authz");
    expect(identityAt(s, "/etc/wimse/authz-client")).toBe(usesAuthz ? "envoy" : undefined);
  });

  it("each upstream dials a service listening on that port with exactly the pinned identity", async () => {
    const { listenPort } = await serviceDefaults();
    const authzPort = Number(/:(\d+)$/.exec(String(at(authzConfig(), "listen.address")))?.[1]);
    expect(authzPort).toBe(listenPort);
    let checked = 0;
    for (const s of envoyServices) {
      for (const c of clusters(envoyConfigOf(s).doc)) {
        const pinned = pinnedUriSans(at(c, "transport_socket.typed_config")).exact;
        for (const ep of clusterEndpoints(c)) {
          if (ep.address === "127.0.0.1") continue;
          checked++;
          const target = service(ep.address);
          const inNetns = compose.services.filter((x) => netnsOwner(x) === target.name);
          // Who listens on ep.port in that network namespace, and with which identity?
          const owners = inNetns.flatMap((x): string[] => {
            if (isEnvoy(x)) {
              const ports = listeners(envoyConfigOf(x).doc).map((l) => socketAddress(l.address, "l"));
              return ports.some((p) => p.port === ep.port && p.address === "0.0.0.0")
                ? [identityAt(x, "/etc/wimse/identity") ?? "?"]
                : [];
            }
            return x.name === "authz" && ep.port === authzPort
              ? [identityAt(x, "/etc/wimse/identity") ?? "?"]
              : [];
          });
          expect(owners, `${s.name}/${String(c.name)} -> ${ep.address}:${ep.port}`).toHaveLength(1);
          expect(pinned).toEqual([layout.manifest.workloads[owners[0] ?? ""]?.id]);
        }
      }
    }
    expect(checked).toBeGreaterThanOrEqual(6);
  });

  it("containers sharing a network namespace never bind the same port", () => {
    const byNetns = new Map<string, number[]>();
    for (const s of compose.services.filter((x) => x.name !== "cert-init")) {
      const ports: number[] = [];
      if (isEnvoy(s)) {
        const doc = envoyConfigOf(s).doc;
        ports.push(...listeners(doc).map((l) => socketAddress(l.address, "listener").port));
        ports.push(socketAddress(at(doc, "admin.address"), "admin").port);
      } else if (s.name === "authz") {
        ports.push(Number(/:(\d+)$/.exec(String(at(authzConfig(), "listen.address")))?.[1]));
        ports.push(Number(/:(\d+)$/.exec(String(at(authzConfig(), "metrics.address")))?.[1]));
      } else {
        ports.push(Number(s.environment.PORT ?? 8080));
      }
      const all = byNetns.get(netnsOwner(s)) ?? [];
      all.push(...ports);
      byNetns.set(netnsOwner(s), all);
    }
    for (const [ns, ports] of byNetns)
      expect(new Set(ports).size, `${ns}: ${ports.join(", ")}`).toBe(ports.length);
    expect(byNetns.get("backend")?.length).toBeGreaterThanOrEqual(6); // sidecar, XFCC sidecar, app
  });

  it("the local workload port is the sample workloads' port", () => {
    for (const s of envoyServices) {
      for (const c of clusters(envoyConfigOf(s).doc)) {
        for (const ep of clusterEndpoints(c)) if (ep.address === "127.0.0.1") expect(ep.port).toBe(8080);
      }
    }
    for (const s of compose.services.filter((x) => x.name.endsWith("-app"))) {
      expect(s.environment.PORT ?? "8080").toBe("8080");
    }
  });
});

describe("docker-compose.yml: private keys and start-up order", () => {
  it("only cert-init mounts the whole PKI; everything else mounts read-only", () => {
    for (const s of compose.services) {
      const pki = s.mounts.some((m) => m.kind === "volume" && m.source === "pki");
      expect(pki, s.name).toBe(s.name === "cert-init");
      if (s.name !== "cert-init")
        for (const m of s.mounts) expect(m.readOnly, `${s.name} ${m.target}`).toBe(true);
    }
  });

  it("each identity volume is filled by cert-init and mounted by its owner only", () => {
    const owners = new Map<string, Set<string>>();
    for (const s of compose.services.filter((x) => x.name !== "cert-init")) {
      for (const m of s.mounts.filter((x) => x.kind === "volume" && x.source.startsWith("id-"))) {
        const set = owners.get(m.source) ?? new Set<string>();
        set.add(m.target === "/etc/wimse/authz-client" ? "envoy-client" : netnsOwner(s));
        owners.set(m.source, set);
      }
    }
    for (const [volume, who] of owners) {
      expect(certInitVolumeDir(volume), volume).toMatch(/^\/identity\/[a-z0-9-]+$/);
      expect(who.size, `${volume} mounted by ${[...who].join(", ")}`).toBe(1);
    }
  });

  it("cert-init generates into its pki volume with `certs --out` and lays it out with cert-init.mjs", () => {
    const script = certInit.command.join(" ");
    const pkiTarget = certInit.mounts.find((m) => m.source === "pki")?.target;
    expect(script).toContain(`dist/cli/main.js certs --out ${pkiTarget}`);
    expect(script).toContain(`envoy/compose/cert-init.mjs --pki ${pkiTarget} --out /out`);
    expect(existsSync(join(REPO, "envoy/compose/cert-init.mjs"))).toBe(true);
  });

  it("every container that reads PKI volumes starts after cert-init completed", () => {
    for (const s of compose.services.filter((x) => x.name !== "cert-init")) {
      if (!s.mounts.some((m) => m.kind === "volume")) continue;
      expect(s.dependsOn["cert-init"], s.name).toBe("service_completed_successfully");
    }
  });

  it("sample workloads share their sidecar's network namespace and run a file that exists", () => {
    const apps = compose.services.filter((s) => s.name.endsWith("-app"));
    expect(apps.length).toBe(3);
    for (const s of apps) {
      expect(s.networkMode).toBe(`service:${s.name.replace(/-app$/, "")}`);
      const file = s.command.find((a) => a.endsWith(".mjs")) ?? "";
      const local = resolveInLayout(join("/app", file), layoutMounts(s));
      expect(local && existsSync(local), file).toBe(true);
    }
  });
});

describe("envoy/compose/authz.yaml", () => {
  it("every file it names exists in the layout as the authz container mounts it", () => {
    const mounts = layoutMounts(service("authz"));
    const cfg = authzConfig();
    const paths = [
      at(cfg, "listen.tls.cert_file"),
      at(cfg, "listen.tls.key_file"),
      at(cfg, "listen.tls.client_ca_file"),
      ...(at(cfg, "identity.trust_domains") as unknown[]).flatMap((d) => [
        at(d, "bundle_file"),
        at(d, "intermediates_file"),
        ...(at(d, "crl_files") as unknown[]),
      ]),
    ].map(String);
    for (const p of paths) {
      const local = resolveInLayout(p, mounts);
      expect(local && statSync(local).isFile(), p).toBe(true);
    }
    const policyDir = resolveInLayout(String(at(cfg, "policy.dir")), mounts);
    expect(policyDir, "policy.dir is under a mount").toBeDefined();
    expect(service("authz").mounts.find((m) => m.source === AUTHZ_CONFIG_FILE)?.target).toBe(
      service("authz").command[service("authz").command.indexOf("--config") + 1],
    );
  });

  it("identities agree with the Envoy files and the PKI", () => {
    const cfg = authzConfig();
    const w = layout.manifest.workloads;
    expect(identityAt(service("authz"), "/etc/wimse/identity")).toBe("wimse-authz");
    expect(at(cfg, "listen.tls.allowed_client_ids")).toEqual([w.envoy?.id]);
    expect(at(cfg, "identity.trusted_proxies")).toEqual([w.middlebox?.id]);
    // Each trust domain's files are that domain's own (trust/<short>/...), never another's.
    const entries = at(cfg, "identity.trust_domains") as unknown[];
    const domains = Object.entries(layout.manifest.trustDomains);
    expect(entries.map((d) => at(d, "trust_domain")).sort()).toEqual(
      domains.map(([, d]) => d.trustDomain).sort(),
    );
    for (const d of entries) {
      const short = domains.find(([, x]) => x.trustDomain === at(d, "trust_domain"))?.[0];
      for (const f of [
        at(d, "bundle_file"),
        at(d, "intermediates_file"),
        ...(at(d, "crl_files") as unknown[]),
      ]) {
        expect(String(f).startsWith(`/etc/wimse/trust/${short}/`), String(f)).toBe(true);
      }
    }
    // The middlebox named here is the identity the XFCC listener pins.
    const behind = obj(readYaml(join(ENVOY_DIR, "sidecar-behind-middlebox.yaml")), "x");
    const tls = at(listeners(behind)[0], "filter_chains");
    expect(pinnedUriSans(at((tls as unknown[])[0], "transport_socket.typed_config")).exact).toEqual([
      w.middlebox?.id,
    ]);
  });

  const configModule = join(REPO, "src", "config", "index.ts");
  describe.skipIf(!existsSync(configModule))("loaded by the service's own configuration loader", () => {
    it("is accepted by loadConfig (every key known, every value valid)", async () => {
      const mod = (await import(configModule)) as {
        loadConfig: (s: { file: string }) => {
          listen: { address: string };
          identity: { trustedProxies: string[]; trustDomains: unknown[] };
        };
      };
      const cfg = mod.loadConfig({ file: join(REPO, AUTHZ_CONFIG_FILE) });
      expect(cfg.listen.address).toBe("0.0.0.0:9191");
      expect(cfg.identity.trustedProxies).toHaveLength(1);
      expect(cfg.identity.trustDomains).toHaveLength(2);
    });
  });
});
