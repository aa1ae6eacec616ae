/**
 * The Envoy configuration files of the repository and small readers over their parsed form
 * (listeners, clusters, filters, referenced files), shared by the envoy, compose and k8s tests.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { isPlainObject } from "./json-scalars.js";

export const REPO = join(import.meta.dirname, "..", "..", "..");
export const ENVOY_DIR = join(REPO, "envoy");

export type Json = Record<string, unknown>;

/** Every Envoy bootstrap in envoy/ (top level: compose/ holds the authz config, not Envoy's). */
export function envoyFiles(): string[] {
  return readdirSync(ENVOY_DIR)
    .filter((f) => f.endsWith(".yaml"))
    .sort();
}

export function readYaml(path: string): unknown {
  return parse(readFileSync(path, "utf8"));
}

export function obj(v: unknown, what: string): Json {
  if (!isPlainObject(v)) throw new Error(`${what}: expected a mapping`);
  return v;
}

export function list(v: unknown, what: string): unknown[] {
  if (!Array.isArray(v)) throw new Error(`${what}: expected a list`);
  return v;
}

export function str(v: unknown, what: string): string {
  if (typeof v !== "string") throw new Error(`${what}: expected a string`);
  return v;
}

/** Follows a dotted path through mappings ("a.b.c"); undefined when any step is missing. */
export function at(v: unknown, path: string): unknown {
  let cur: unknown = v;
  for (const k of path.split(".")) {
    if (!isPlainObject(cur)) return undefined;
    cur = cur[k];
  }
  return cur;
}

export interface SocketAddress {
  address: string;
  port: number;
}

export function socketAddress(v: unknown, what: string): SocketAddress {
  const sa = obj(at(v, "socket_address"), `${what}.socket_address`);
  return { address: str(sa.address, `${what}.address`), port: Number(sa.port_value) };
}

export function listeners(bootstrap: unknown): Json[] {
  return list(at(bootstrap, "static_resources.listeners") ?? [], "listeners").map((l, i) =>
    obj(l, `listeners[${i}]`),
  );
}

export function clusters(bootstrap: unknown): Json[] {
  return list(at(bootstrap, "static_resources.clusters") ?? [], "clusters").map((c, i) =>
    obj(c, `clusters[${i}]`),
  );
}

export function cluster(bootstrap: unknown, name: string): Json {
  const c = clusters(bootstrap).find((x) => x.name === name);
  if (!c) throw new Error(`no cluster ${name}`);
  return c;
}

/** The endpoint addresses of a cluster's static load_assignment. */
export function clusterEndpoints(c: Json): SocketAddress[] {
  const out: SocketAddress[] = [];
  for (const e of list(at(c, "load_assignment.endpoints") ?? [], "endpoints")) {
    for (const lb of list(at(e, "lb_endpoints") ?? [], "lb_endpoints")) {
      out.push(socketAddress(at(lb, "endpoint.address"), `cluster ${String(c.name)}`));
    }
  }
  return out;
}

export interface FilterChainView {
  listener: string;
  port: number;
  address: string;
  downstreamTls?: Json;
  hcm?: Json;
  httpFilters: Json[];
}

export function filterChains(bootstrap: unknown): FilterChainView[] {
  const out: FilterChainView[] = [];
  for (const l of listeners(bootstrap)) {
    const addr = socketAddress(l.address, `listener ${String(l.name)}`);
    for (const fc of list(l.filter_chains ?? [], "filter_chains")) {
      const ts = at(fc, "transport_socket.typed_config");
      const hcmFilter = list(at(fc, "filters") ?? [], "filters").find(
        (f) => at(f, "name") === "envoy.filters.network.http_connection_manager",
      );
      const hcm = isPlainObject(at(hcmFilter, "typed_config"))
        ? obj(at(hcmFilter, "typed_config"), "hcm")
        : undefined;
      out.push({
        listener: str(l.name, "listener name"),
        port: addr.port,
        address: addr.address,
        downstreamTls: isPlainObject(ts) ? ts : undefined,
        hcm,
        httpFilters: hcm
          ? list(hcm.http_filters ?? [], "http_filters").map((f) => obj(f, "http filter"))
          : [],
      });
    }
  }
  return out;
}

/** Every file (DataSource.filename) and watched directory a configuration reads. */
export function referencedPaths(v: unknown): { files: string[]; dirs: string[] } {
  const files = new Set<string>();
  const dirs = new Set<string>();
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const x of node) walk(x);
      return;
    }
    if (!isPlainObject(node)) return;
    for (const [k, x] of Object.entries(node)) {
      if (k === "filename" && typeof x === "string") files.add(x);
      else if (k === "watched_directory" && typeof at(x, "path") === "string")
        dirs.add(String(at(x, "path")));
      else walk(x);
    }
  };
  walk(v);
  return { files: [...files].sort(), dirs: [...dirs].sort() };
}

/** The exact URI SANs a TLS context's validation_context pins (match_typed_subject_alt_names). */
export function pinnedUriSans(tlsContext: unknown): { exact: string[]; prefix: string[] } {
  const exact: string[] = [];
  const prefix: string[] = [];
  const matchers = at(tlsContext, "common_tls_context.validation_context.match_typed_subject_alt_names");
  for (const m of Array.isArray(matchers) ? matchers : []) {
    if (at(m, "san_type") !== "URI") continue;
    const e = at(m, "matcher.exact");
    const p = at(m, "matcher.prefix");
    if (typeof e === "string") exact.push(e);
    if (typeof p === "string") prefix.push(p);
  }
  return { exact, prefix };
}
