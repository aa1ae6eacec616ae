#!/usr/bin/env node
// Regenerates src/gen from Envoy's protos (shipped by @grpc/grpc-js-xds under deps/) and our own
// proto/ files, with buf + ts-proto as a local plugin. Runs offline: no remote plugins or deps.
//
//   node scripts/proto.mjs            -> writes src/gen
//   node scripts/proto.mjs <out-dir>  -> writes <out-dir> (used by test/proto/fresh.test.ts)
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const out = resolve(process.argv[2] ?? join(root, "src/gen"));
const deps = join(root, "node_modules/@grpc/grpc-js-xds/deps");
const bin = join(root, "node_modules/.bin");

/** The roots we generate; ts-proto also emits everything they import (include_imports). */
const targets = [
  "envoy/service/auth/v3/external_auth.proto",
  "grpc/health/v1/health.proto",
  "envoy/config/bootstrap/v3/bootstrap.proto",
];

const work = mkdtempSync(join(tmpdir(), "wimse-proto-"));
try {
  cpSync(join(root, "proto/buf.yaml"), join(work, "buf.yaml"));
  cpSync(join(root, "proto/buf.gen.yaml"), join(work, "buf.gen.yaml"));
  cpSync(join(root, "proto/grpc"), join(work, "local/grpc"), { recursive: true });
  for (const dir of ["envoy-api", "googleapis", "xds", "protoc-gen-validate"]) {
    cpSync(join(deps, dir), join(work, "deps", dir), { recursive: true });
  }
  patchValidateProto(join(work, "deps/protoc-gen-validate/validate/validate.proto"));
  const args = ["generate", "--template", "buf.gen.yaml"];
  for (const t of targets) args.push("--path", t.startsWith("grpc/") ? `local/${t}` : pathOf(t));
  execFileSync(join(bin, "buf"), args, {
    cwd: work,
    stdio: "inherit",
    env: {
      ...process.env,
      PATH: `${bin}:${process.env.PATH ?? ""}`,
      BUF_CACHE_DIR: join(work, ".cache"),
    },
  });
  if (existsSync(out)) rmSync(out, { recursive: true, force: true });
  mkdirSync(dirname(out), { recursive: true });
  cpSync(join(work, "gen"), out, { recursive: true });
} finally {
  rmSync(work, { recursive: true, force: true });
}

/**
 * The validate.proto that @grpc/grpc-js-xds ships predates StringRules.ignore_empty, which the
 * shipped Envoy protos use in (validate.rules) annotations. Add the field with its upstream
 * number (protoc-gen-validate: StringRules.ignore_empty = 26). Annotations are not emitted by
 * ts-proto, so this only lets the protos compile.
 */
function patchValidateProto(file) {
  const text = readFileSync(file, "utf8");
  if (text.includes("ignore_empty")) return;
  const marker = "message StringRules {";
  if (!text.includes(marker)) throw new Error(`proto: ${file}: no StringRules message to patch`);
  writeFileSync(file, text.replace(marker, `${marker}\n    optional bool ignore_empty = 26;`));
}

function pathOf(target) {
  return join("deps/envoy-api", target);
}
