/**
 * Every Envoy file in envoy/ is checked against Envoy's own API (the protos shipped in
 * @grpc/grpc-js-xds) by a strict proto3-JSON walker: unknown fields anywhere (including inside
 * every typed_config), bad enums, durations, numbers, oneof conflicts, deprecated fields and the
 * common protoc-gen-validate rules are errors. Then the security-relevant settings and the
 * cross-references (service port, pinned identities, certificate paths) are asserted.
 */
import { statSync } from "node:fs";
import type protobuf from "protobufjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DemoLayout, makeDemoLayout, resolveInLayout } from "./lib/demo-layout.js";
import {
  at,
  cluster,
  clusterEndpoints,
  clusters,
  ENVOY_DIR,
  envoyFiles,
  filterChains,
  type Json,
  obj,
  pinnedUriSans,
  readYaml,
  referencedPaths,
  socketAddress,
} from "./lib/envoy-files.js";
import { loadEnvoyApi } from "./lib/envoy-protos.js";
import { ProtoJsonChecker } from "./lib/proto-json-walker.js";
import { formatIssues, type SchemaIssue } from "./lib/schema-issue.js";
import { serviceDefaults } from "./lib/service-defaults.js";

const BOOTSTRAP = "envoy.config.bootstrap.v3.Bootstrap";
const FILES = envoyFiles();

let api: protobuf.Root;
let layout: DemoLayout;

beforeAll(async () => {
  api = loadEnvoyApi();
  layout = await makeDemoLayout();
});
afterAll(() => layout?.cleanup());

function load(file: string): Json {
  return obj(readYaml(`${ENVOY_DIR}/${file}`), file);
}

function check(doc: unknown): SchemaIssue[] {
  return new ProtoJsonChecker(api).check(BOOTSTRAP, doc);
}

describe("envoy/*.yaml against Envoy's API schema (strict)", () => {
  it("finds the three bootstraps", () => {
    expect(FILES).toEqual(["front-proxy.yaml", "sidecar-behind-middlebox.yaml", "sidecar.yaml"]);
  });

  it.each(FILES)("%s decodes as envoy.config.bootstrap.v3.Bootstrap with no issue", (file) => {
    const checker = new ProtoJsonChecker(api);
    const issues = checker.check(BOOTSTRAP, load(file));
    expect(formatIssues(issues)).toBe("");
    // The walk really descended into the typed configs.
    expect(checker.typeUrls).toContain(
      "envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
    );
    expect(checker.typeUrls).toContain("envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext");
  });
});

/** Shortcuts into a parsed sidecar.yaml (references: mutations apply to the document). */
const sidecar = {
  tls: (d: Json) => obj(filterChains(d)[0]?.downstreamTls, "downstream tls"),
  extAuthz: (d: Json) => obj(filterChains(d)[0]?.httpFilters[0]?.typed_config, "ext_authz"),
  grpc: (d: Json) => obj(at(sidecar.extAuthz(d), "grpc_service"), "grpc_service"),
  extAuthzCluster: (d: Json) => cluster(d, "ext_authz"),
  port: (d: Json) => obj(at(cluster(d, "local_workload"), "load_assignment.endpoints"), "x"),
};

function firstSocketAddress(d: Json): Json {
  const l = obj((at(d, "static_resources.listeners") as unknown[])[0], "listener");
  return obj(at(l, "address.socket_address"), "socket_address");
}

interface Mutation {
  name: string;
  mutate: (d: Json) => void;
  code: SchemaIssue["code"];
  pathEnds: string;
  message?: RegExp;
}

const MUTATIONS: Mutation[] = [
  {
    name: "misspelled top-level field",
    mutate: (d) => {
      d.static_resource = d.static_resources;
      delete d.static_resources;
    },
    code: "UNKNOWN_FIELD",
    pathEnds: "static_resource",
    message: /did you mean static_resources/,
  },
  {
    name: "misspelled field inside a typed_config (DownstreamTlsContext)",
    mutate: (d) => {
      const t = sidecar.tls(d);
      t.require_client_certficate = t.require_client_certificate;
      delete t.require_client_certificate;
    },
    code: "UNKNOWN_FIELD",
    pathEnds: "typed_config.require_client_certficate",
    message: /did you mean require_client_certificate/,
  },
  {
    name: "misspelled field deep in the ext_authz filter",
    mutate: (d) => {
      const body = obj(sidecar.extAuthz(d).with_request_body, "body");
      body.max_request_byte = body.max_request_bytes;
      delete body.max_request_bytes;
    },
    code: "UNKNOWN_FIELD",
    pathEnds: "with_request_body.max_request_byte",
  },
  {
    name: "unknown @type",
    mutate: (d) => {
      sidecar.extAuthz(d)["@type"] =
        "type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthZ";
    },
    code: "UNKNOWN_TYPE_URL",
    pathEnds: "typed_config.@type",
  },
  {
    name: "typed_config without @type",
    mutate: (d) => {
      delete sidecar.extAuthz(d)["@type"];
    },
    code: "BAD_ANY",
    pathEnds: "typed_config.@type",
  },
  {
    name: "enum value that does not exist",
    mutate: (d) => {
      sidecar.extAuthz(d).transport_api_version = "V4";
    },
    code: "BAD_ENUM",
    pathEnds: "transport_api_version",
  },
  {
    name: "Duration without the proto3 form",
    mutate: (d) => {
      sidecar.grpc(d).timeout = "500ms";
    },
    code: "BAD_DURATION",
    pathEnds: "grpc_service.timeout",
  },
  {
    name: "bool given as a string",
    mutate: (d) => {
      sidecar.tls(d).require_client_certificate = "yes";
    },
    code: "WRONG_TYPE",
    pathEnds: "require_client_certificate",
  },
  {
    name: "port that is not a number",
    mutate: (d) => {
      firstSocketAddress(d).port_value = "eighty";
    },
    code: "BAD_NUMBER",
    pathEnds: "socket_address.port_value",
  },
  {
    name: "negative unsigned integer",
    mutate: (d) => {
      firstSocketAddress(d).port_value = -1;
    },
    code: "BAD_NUMBER",
    pathEnds: "socket_address.port_value",
  },
  {
    name: "port above 65535 (protoc-gen-validate rule)",
    mutate: (d) => {
      firstSocketAddress(d).port_value = 70000;
    },
    code: "RULE_VIOLATION",
    pathEnds: "socket_address.port_value",
  },
  {
    name: "max_request_bytes 0 (protoc-gen-validate gt 0)",
    mutate: (d) => {
      obj(sidecar.extAuthz(d).with_request_body, "body").max_request_bytes = 0;
    },
    code: "RULE_VIOLATION",
    pathEnds: "with_request_body.max_request_bytes",
  },
  {
    name: "two members of one oneof",
    mutate: (d) => {
      sidecar.grpc(d).google_grpc = { target_uri: "authz:9191", stat_prefix: "x" };
    },
    code: "ONEOF_CONFLICT",
    pathEnds: "grpc_service.google_grpc",
  },
  {
    name: "deprecated field (Cluster.http2_protocol_options)",
    mutate: (d) => {
      sidecar.extAuthzCluster(d).http2_protocol_options = {};
    },
    code: "DEPRECATED",
    pathEnds: "http2_protocol_options",
  },
  {
    name: "null value (an empty YAML key)",
    mutate: (d) => {
      sidecar.extAuthz(d).failure_mode_allow = null;
    },
    code: "NULL_VALUE",
    pathEnds: "failure_mode_allow",
  },
  {
    name: "one field under both of its names",
    mutate: (d) => {
      sidecar.extAuthz(d).failureModeAllow = true;
    },
    code: "DUPLICATE_FIELD",
    pathEnds: "failureModeAllow",
  },
  {
    name: "repeated field given as a mapping",
    mutate: (d) => {
      obj(d.static_resources, "sr").clusters = {};
    },
    code: "WRONG_TYPE",
    pathEnds: "static_resources.clusters",
  },
  {
    name: "absent scalar checked as its zero value (HttpStatus without code: not_in [0])",
    mutate: (d) => {
      sidecar.extAuthz(d).status_on_error = {};
    },
    code: "RULE_VIOLATION",
    pathEnds: "status_on_error.code",
  },
  {
    name: 'absent string checked as "" (a cluster without a name: min_len 1)',
    mutate: (d) => {
      delete sidecar.extAuthzCluster(d).name;
    },
    code: "RULE_VIOLATION",
    pathEnds: "clusters[1].name",
  },
];

describe("the strict checker rejects what Envoy would reject", () => {
  it.each(MUTATIONS)("$name -> $code", ({ mutate, code, pathEnds, message }) => {
    const doc = load("sidecar.yaml");
    mutate(doc);
    const issues = check(doc);
    const hit = issues.find((i) => i.code === code && i.path.endsWith(pathEnds));
    expect(hit, `expected ${code} at *${pathEnds}, got:\n${formatIssues(issues)}`).toBeDefined();
    if (message) expect(hit?.message).toMatch(message);
  });

  it("accepts lowerCamelCase names (proto3 JSON) as Envoy does", () => {
    const doc = load("sidecar.yaml");
    const e = sidecar.extAuthz(doc);
    e.failureModeAllow = e.failure_mode_allow;
    delete e.failure_mode_allow;
    expect(formatIssues(check(doc))).toBe("");
  });

  it("validates well-known types in Any by their value (google.protobuf.Duration inside an Any)", () => {
    const issues = new ProtoJsonChecker(api).check("google.protobuf.Any", {
      "@type": "type.googleapis.com/google.protobuf.Duration",
      value: "1.5x",
    });
    expect(issues.map((i) => i.code)).toEqual(["BAD_DURATION"]);
  });
});

describe("references inside each Envoy file resolve (Envoy refuses to start otherwise)", () => {
  it.each(FILES)("%s: unique names and ports; every route and ext_authz names a defined cluster", (file) => {
    const doc = load(file);
    const clusterNames = clusters(doc).map((c) => String(c.name));
    expect(new Set(clusterNames).size).toBe(clusterNames.length);
    const ls = filterChains(doc);
    const listenerNames = [...new Set(ls.map((l) => l.listener))];
    const bound = [
      ...listenerNames.map((n) => ls.find((l) => l.listener === n)?.port),
      socketAddress(at(doc, "admin.address"), "admin").port,
    ];
    expect(new Set(bound).size, `ports ${bound.join(", ")}`).toBe(bound.length);
    const referenced = new Set<string>();
    for (const l of ls) {
      for (const vh of (at(l.hcm, "route_config.virtual_hosts") as unknown[]) ?? []) {
        for (const r of (at(vh, "routes") as unknown[]) ?? []) referenced.add(String(at(r, "route.cluster")));
      }
      for (const f of l.httpFilters) {
        const c = at(f, "typed_config.grpc_service.envoy_grpc.cluster_name");
        if (c !== undefined) referenced.add(String(c));
      }
    }
    expect(referenced.size).toBeGreaterThan(0);
    for (const c of referenced) expect(clusterNames, c).toContain(c);
    // ...and no cluster is dead weight.
    for (const c of clusterNames) expect([...referenced], c).toContain(c);
  });
});

describe("security settings of the Envoy files", () => {
  it.each(FILES)("%s: admin is bound to loopback", (file) => {
    expect(socketAddress(at(load(file), "admin.address"), "admin").address).toBe("127.0.0.1");
  });

  it.each(FILES)("%s: every non-loopback listener requires a client certificate", (file) => {
    const chains = filterChains(load(file)).filter((c) => c.address !== "127.0.0.1");
    expect(chains.length).toBeGreaterThan(0);
    for (const c of chains) {
      expect(c.downstreamTls?.require_client_certificate, c.listener).toBe(true);
      expect(at(c.downstreamTls, "common_tls_context.validation_context.trusted_ca.filename")).toMatch(
        /^\/etc\/wimse\/trust\/[a-z0-9]+\/bundle\.pem$/,
      );
      // A trust-domain prefix must end at the domain boundary ("…local/", not "…local").
      for (const p of pinnedUriSans(c.downstreamTls).prefix) expect(p).toMatch(/^[a-z]+:\/\/[^/]+\/$/);
    }
  });

  const sidecars = ["sidecar.yaml", "sidecar-behind-middlebox.yaml"];
  it.each(sidecars)(
    "%s: ext_authz fails closed, gets the peer certificate, runs before the router",
    (file) => {
      const doc = load(file);
      const inbound = filterChains(doc).filter((c) => c.downstreamTls);
      expect(inbound.length).toBeGreaterThan(0);
      for (const c of inbound) {
        const names = c.httpFilters.map((f) => f.name);
        expect(names).toEqual(["envoy.filters.http.ext_authz", "envoy.filters.http.router"]);
        const e = obj(c.httpFilters[0]?.typed_config, "ext_authz");
        expect(e.failure_mode_allow).toBe(false);
        expect(e.transport_api_version).toBe("V3");
        expect(e.include_peer_certificate).toBe(true);
        expect(at(e, "with_request_body.max_request_bytes")).toBeGreaterThan(0);
        expect(at(e, "with_request_body.allow_partial_message")).toBe(true);
        // WIMSE HTTP signatures: Content-Digest is checked over raw_body, the exact bytes.
        expect(at(e, "with_request_body.pack_as_bytes")).toBe(true);
        // Token headers reach the service: no allowlist that could drop them (gRPC sends all).
        const allowed = at(e, "allowed_headers") as { patterns?: Array<Record<string, string>> } | undefined;
        if (allowed !== undefined) {
          const exact = (allowed.patterns ?? []).map((p) => p.exact?.toLowerCase());
          for (const h of [
            "workload-identity-token",
            "workload-proof-token",
            "signature",
            "signature-input",
            "content-digest",
          ])
            expect(exact, h).toContain(h);
        }
        const timeout = String(at(e, "grpc_service.timeout"));
        expect(Number.parseFloat(timeout)).toBeGreaterThan(0);
        expect(Number.parseFloat(timeout)).toBeLessThanOrEqual(1);
        expect(at(e, "grpc_service.envoy_grpc.cluster_name")).toBe("ext_authz");
        // A client-sent XFCC must never reach a policy from a direct caller.
        const fcc = c.hcm?.forward_client_cert_details ?? "SANITIZE";
        expect(fcc).toBe(file === "sidecar.yaml" ? "SANITIZE" : "FORWARD_ONLY");
        expect(c.hcm?.path_with_escaped_slashes_action).toBe("REJECT_REQUEST");
        expect(c.hcm?.normalize_path).toBe(true);
      }
    },
  );

  it.each(sidecars)(
    "%s: the ext_authz cluster is mTLS + HTTP/2 to the service's port and identity",
    async (file) => {
      const doc = load(file);
      const c = cluster(doc, "ext_authz");
      const { listenPort } = await serviceDefaults();
      const eps = clusterEndpoints(c);
      expect(eps.length).toBeGreaterThan(0);
      for (const ep of eps) expect(ep.port).toBe(listenPort);
      const protocol = obj(c.typed_extension_protocol_options, "typed_extension_protocol_options")[
        "envoy.extensions.upstreams.http.v3.HttpProtocolOptions"
      ];
      expect(at(protocol, "explicit_http_config.http2_protocol_options")).toEqual({});
      const tls = at(c, "transport_socket.typed_config");
      expect(at(tls, "@type")).toBe(
        "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext",
      );
      expect(pinnedUriSans(tls).exact).toEqual([layout.manifest.workloads["wimse-authz"]?.id]);
      const certs = at(tls, "common_tls_context.tls_certificates") as unknown[];
      expect(at(certs[0], "certificate_chain.filename")).toBe("/etc/wimse/authz-client/chain.pem");
    },
  );

  it("front-proxy.yaml replaces any client XFCC with the verified client's Cert, Chain and URI", () => {
    const chains = filterChains(load("front-proxy.yaml")).filter((c) => c.downstreamTls);
    expect(chains.length).toBe(1);
    const hcm = chains[0]?.hcm;
    expect(hcm?.forward_client_cert_details).toBe("SANITIZE_SET");
    expect(hcm?.set_current_client_cert_details).toEqual({ cert: true, chain: true, uri: true });
  });

  it("sidecar-behind-middlebox.yaml accepts exactly the middlebox identity", () => {
    const chains = filterChains(load("sidecar-behind-middlebox.yaml")).filter((c) => c.downstreamTls);
    for (const c of chains) {
      expect(pinnedUriSans(c.downstreamTls)).toEqual({
        exact: [layout.manifest.workloads.middlebox?.id],
        prefix: [],
      });
    }
  });

  it.each(FILES)(
    "%s: each upstream is mTLS, pinned to the identity and trust domain of the host it dials",
    (file) => {
      const { manifest } = layout;
      for (const c of clusters(load(file))) {
        const eps = clusterEndpoints(c);
        if (eps.every((e) => e.address === "127.0.0.1")) continue; // the local workload
        const tls = at(c, "transport_socket.typed_config");
        expect(at(tls, "@type"), String(c.name)).toMatch(/UpstreamTlsContext$/);
        for (const ep of eps) {
          const workload = Object.values(manifest.workloads).find((w) => w.dns.includes(ep.address));
          expect(workload, `no demo identity has DNS name ${ep.address}`).toBeDefined();
          expect(pinnedUriSans(tls), String(c.name)).toEqual({ exact: [workload?.id], prefix: [] });
          const domain = Object.entries(manifest.trustDomains).find(
            ([, d]) => d.trustDomain === workload?.trustDomain,
          );
          expect(at(tls, "common_tls_context.validation_context.trusted_ca.filename")).toBe(
            `/etc/wimse/trust/${domain?.[0]}/bundle.pem`,
          );
          expect(at(tls, "sni")).toBe(ep.address);
        }
      }
    },
  );
});

describe("certificate paths exist in the demo PKI layout", () => {
  const identities = ["frontend", "backend", "billing", "middlebox"];
  it.each(FILES)("%s: every file and watched directory exists, keys are 0600", (file) => {
    const { files, dirs } = referencedPaths(load(file));
    expect(files.length).toBeGreaterThan(0);
    for (const who of identities) {
      const mounts = [
        { target: "/etc/wimse/identity", source: `${layout.outDir}/identity/${who}` },
        { target: "/etc/wimse/authz-client", source: `${layout.outDir}/identity/envoy` },
        { target: "/etc/wimse/trust", source: `${layout.outDir}/trust` },
      ];
      for (const p of files) {
        const local = resolveInLayout(p, mounts);
        expect(local, `${p} is outside every mount`).toBeDefined();
        const st = statSync(local ?? "");
        expect(st.isFile(), p).toBe(true);
        if (p.endsWith("key.pem")) expect(st.mode & 0o777, p).toBe(0o600);
      }
      for (const d of dirs) expect(statSync(resolveInLayout(d, mounts) ?? "").isDirectory(), d).toBe(true);
    }
  });

  it("the layout holds no private key under trust/", () => {
    const { manifest } = layout;
    for (const d of Object.keys(manifest.trustDomains)) {
      for (const f of ["root.pem", "intermediate.pem", "bundle.pem", "bundle.spiffe.json", "crl.pem"]) {
        expect(statSync(`${layout.outDir}/trust/${d}/${f}`).mode & 0o777).toBe(0o644);
      }
    }
  });
});
