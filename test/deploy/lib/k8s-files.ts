/** The Kubernetes example (k8s/): its kustomization, manifests and generated ConfigMaps/Secrets. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { at, type Json, obj, REPO } from "./envoy-files.js";
import { isPlainObject } from "./json-scalars.js";

export const K8S = join(REPO, "k8s");

export interface K8sObject {
  file: string;
  kind: string;
  name: string;
  namespace?: string;
  body: Json;
}

export interface Generated {
  kind: "ConfigMap" | "Secret";
  name: string;
  /** key -> source path relative to k8s/ */
  files: Map<string, string>;
}

export function kustomization(): Json {
  return obj(
    parseAllDocuments(readFileSync(join(K8S, "kustomization.yaml"), "utf8"))[0]?.toJS(),
    "kustomization",
  );
}

export function manifests(): K8sObject[] {
  const resources = at(kustomization(), "resources");
  if (!Array.isArray(resources)) throw new Error("kustomization: no resources");
  return resources.flatMap((file) =>
    parseAllDocuments(readFileSync(join(K8S, String(file)), "utf8")).map((d) => {
      const body = obj(d.toJS(), String(file));
      return {
        file: String(file),
        kind: String(body.kind),
        name: String(at(body, "metadata.name")),
        namespace:
          typeof at(body, "metadata.namespace") === "string"
            ? String(at(body, "metadata.namespace"))
            : undefined,
        body,
      };
    }),
  );
}

export function generated(): Generated[] {
  const k = kustomization();
  const out: Generated[] = [];
  for (const [field, kind] of [
    ["configMapGenerator", "ConfigMap"],
    ["secretGenerator", "Secret"],
  ] as const) {
    for (const g of (k[field] as unknown[] | undefined) ?? []) {
      const files = new Map<string, string>();
      for (const f of (at(g, "files") as unknown[] | undefined) ?? []) {
        const [key, source] = String(f).includes("=")
          ? String(f).split("=", 2)
          : [String(f).split("/").pop(), String(f)];
        files.set(String(key), String(source));
      }
      out.push({ kind, name: String(at(g, "name")), files });
    }
  }
  return out;
}

export function find(objects: K8sObject[], kind: string, name: string): K8sObject {
  const o = objects.find((x) => x.kind === kind && x.name === name);
  if (!o) throw new Error(`no ${kind} ${name}`);
  return o;
}

export function podSpec(deployment: K8sObject): Json {
  return obj(at(deployment.body, "spec.template.spec"), `${deployment.name} pod spec`);
}

export function containers(deployment: K8sObject): Json[] {
  return (podSpec(deployment).containers as unknown[]).map((c) => obj(c, "container"));
}

/** Is every label of `selector` present with the same value in `labels`? */
export function selects(selector: unknown, labels: unknown): boolean {
  if (!isPlainObject(selector) || !isPlainObject(labels) || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

export interface MountedFile {
  /** Which generator entry provides it, or undefined when not provided by any. */
  generator?: Generated;
  key?: string;
  /** Source path relative to k8s/. */
  source?: string;
}

/**
 * Resolves a path inside a container to the generator file that provides it: volumeMount
 * (longest mountPath prefix) -> volume -> ConfigMap/Secret (items path -> key, else the file
 * name is the key) -> kustomize generator entry.
 */
export function resolveMountedFile(pod: Json, container: Json, path: string, gens: Generated[]): MountedFile {
  let best: Json | undefined;
  for (const m of (container.volumeMounts as unknown[] | undefined) ?? []) {
    const mp = String(at(m, "mountPath"));
    if ((path === mp || path.startsWith(`${mp}/`)) && (!best || mp.length > String(best.mountPath).length)) {
      best = obj(m, "volumeMount");
    }
  }
  if (!best) return {};
  const rel = path.slice(String(best.mountPath).length + 1);
  const volume = ((pod.volumes as unknown[] | undefined) ?? []).find((v) => at(v, "name") === best?.name);
  if (!volume) return {};
  const cm = at(volume, "configMap.name");
  const secret = at(volume, "secret.secretName");
  const gen = gens.find(
    (g) => (g.kind === "ConfigMap" && g.name === cm) || (g.kind === "Secret" && g.name === secret),
  );
  if (!gen) return {};
  const items =
    (at(volume, cm !== undefined ? "configMap.items" : "secret.items") as unknown[] | undefined) ?? [];
  const key = items.length > 0 ? items.find((i) => at(i, "path") === rel) : undefined;
  const k = items.length > 0 ? (key ? String(at(key, "key")) : undefined) : rel;
  if (k === undefined) return { generator: gen };
  return { generator: gen, key: k, source: gen.files.get(k) };
}
