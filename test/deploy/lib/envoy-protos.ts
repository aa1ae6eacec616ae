/**
 * Loads Envoy's own API schema (the .proto files shipped in @grpc/grpc-js-xds under deps/) into a
 * protobufjs Root, so Envoy configuration files can be checked against it without Envoy.
 *
 * The shipped tree is a subset of envoy-api: a few files import v2 protos that are not shipped.
 * Those files (and only those) are skipped; every v3 type an Envoy bootstrap can name is loaded.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import protobuf from "protobufjs";

const require = createRequire(import.meta.url);

/** google/protobuf files that protobufjs provides itself (protobuf.common). */
const BUILTIN_WKT = new Set(
  ["any", "duration", "timestamp", "struct", "wrappers", "empty", "field_mask"].map(
    (n) => `google/protobuf/${n}.proto`,
  ),
);

export function xdsDepsDir(): string {
  return join(dirname(require.resolve("@grpc/grpc-js-xds/package.json")), "deps");
}

function includeRoots(): string[] {
  const deps = xdsDepsDir();
  const protobufjsDir = dirname(require.resolve("protobufjs/package.json"));
  return [
    join(deps, "envoy-api"),
    join(deps, "xds"),
    join(deps, "googleapis"),
    join(deps, "protoc-gen-validate"),
    protobufjsDir, // google/protobuf/descriptor.proto
  ];
}

function listProtos(dir: string, base: string, out: string[]): string[] {
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) listProtos(full, base, out);
    else if (name.endsWith(".proto")) out.push(full.slice(base.length + 1));
  }
  return out;
}

const IMPORT_RE = /^import\s+(?:public\s+|weak\s+)?"([^"]+)";/gm;

let cached: protobuf.Root | undefined;

/** The Envoy API as a resolved protobufjs Root (loaded once per process, about 3 s). */
export function loadEnvoyApi(): protobuf.Root {
  if (cached) return cached;
  const roots = includeRoots();
  const locate = (file: string): string | undefined => {
    if (BUILTIN_WKT.has(file)) return file;
    for (const r of roots) {
      const p = join(r, file);
      if (existsSync(p)) return p;
    }
    return undefined;
  };
  const complete = new Map<string, boolean>();
  const importsResolve = (file: string, stack: Set<string>): boolean => {
    const known = complete.get(file);
    if (known !== undefined) return known;
    if (stack.has(file) || BUILTIN_WKT.has(file)) return true;
    const path = locate(file);
    if (!path) {
      complete.set(file, false);
      return false;
    }
    stack.add(file);
    let ok = true;
    for (const m of readFileSync(path, "utf8").matchAll(IMPORT_RE)) {
      if (!importsResolve(m[1] ?? "", stack)) {
        ok = false;
        break;
      }
    }
    stack.delete(file);
    complete.set(file, ok);
    return ok;
  };
  const envoyApi = join(xdsDepsDir(), "envoy-api");
  const files = listProtos(join(envoyApi, "envoy"), envoyApi, []).filter((f) => importsResolve(f, new Set()));
  const root = new protobuf.Root();
  root.resolvePath = (_origin: string, target: string) => locate(target) ?? target;
  root.loadSync(files, { keepCase: true });
  root.resolveAll();
  cached = root;
  return root;
}
