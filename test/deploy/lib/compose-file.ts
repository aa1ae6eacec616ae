/** docker-compose.yml, parsed (with YAML merge keys, as Compose reads it), and its mounts. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { isPlainObject } from "./json-scalars.js";
import { REPO } from "./envoy-files.js";

export interface ComposeMount {
  /** "bind" for ./host/paths, "volume" for named volumes. */
  kind: "bind" | "volume";
  /** Host path relative to the repository (bind) or the volume name. */
  source: string;
  target: string;
  readOnly: boolean;
}

export interface ComposeService {
  name: string;
  image: string;
  command: string[];
  mounts: ComposeMount[];
  networkMode?: string;
  dependsOn: Record<string, string>;
  user?: string;
  readOnly: boolean;
  environment: Record<string, string>;
  raw: Record<string, unknown>;
}

export function parseMount(spec: string): ComposeMount {
  const parts = spec.split(":");
  const [source = "", target = "", mode = ""] = parts;
  if (parts.length < 2 || parts.length > 3) throw new Error(`unsupported volume syntax ${spec}`);
  const bind = source.startsWith(".") || source.startsWith("/");
  return {
    kind: bind ? "bind" : "volume",
    source: bind ? source.replace(/^\.\/?/, "") : source,
    target,
    readOnly: mode.split(",").includes("ro"),
  };
}

function dependsOn(v: unknown): Record<string, string> {
  if (Array.isArray(v)) return Object.fromEntries(v.map((s) => [String(s), "service_started"]));
  if (!isPlainObject(v)) return {};
  return Object.fromEntries(
    Object.entries(v).map(([k, c]) => [k, isPlainObject(c) ? String(c.condition ?? "service_started") : ""]),
  );
}

export function loadCompose(): {
  services: ComposeService[];
  volumes: string[];
  raw: Record<string, unknown>;
} {
  const raw = parse(readFileSync(join(REPO, "docker-compose.yml"), "utf8"), { merge: true }) as Record<
    string,
    unknown
  >;
  const servicesRaw = raw.services;
  if (!isPlainObject(servicesRaw)) throw new Error("docker-compose.yml: no services");
  const services = Object.entries(servicesRaw).map(([name, s]): ComposeService => {
    if (!isPlainObject(s)) throw new Error(`service ${name}: expected a mapping`);
    const command = s.command;
    const env = isPlainObject(s.environment) ? s.environment : {};
    return {
      name,
      image: String(s.image ?? ""),
      command: Array.isArray(command) ? command.map(String) : typeof command === "string" ? [command] : [],
      mounts: (Array.isArray(s.volumes) ? s.volumes : []).map((v) => parseMount(String(v))),
      networkMode: typeof s.network_mode === "string" ? s.network_mode : undefined,
      dependsOn: dependsOn(s.depends_on),
      user: typeof s.user === "string" ? s.user : undefined,
      readOnly: s.read_only === true,
      environment: Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v)])),
      raw: s,
    };
  });
  const volumes = isPlainObject(raw.volumes) ? Object.keys(raw.volumes) : [];
  return { services, volumes, raw };
}

/** The service whose network namespace `s` runs in (itself unless network_mode: service:X). */
export function netnsOwner(s: ComposeService): string {
  const m = /^service:(.+)$/.exec(s.networkMode ?? "");
  return m?.[1] ?? s.name;
}
