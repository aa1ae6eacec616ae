#!/usr/bin/env node
/**
 * Lays the demo PKI out as per-identity mounts, so that each container sees ONLY its own private
 * key and the public trust material:
 *
 *   OUT/identity/<workload>/{cert.pem,chain.pem,key.pem}   one directory per workload identity
 *   OUT/trust/<domain>/{root.pem,intermediate.pem,bundle.pem,bundle.spiffe.json,crl.pem}
 *
 * docker-compose mounts one named volume on each OUT/identity/<workload> directory and one on
 * OUT/trust; the Envoy configurations read /etc/wimse/identity, /etc/wimse/authz-client and
 * /etc/wimse/trust (see envoy/sidecar.yaml). The input is the PKI written by
 * `wimse-authz certs --out PKI`, read through its manifest.json (never by guessing file names).
 *
 * usage: node cert-init.mjs --pki DIR --out DIR [--owner UID:GID]
 * Files are replaced atomically (write to a temporary name, then rename), so a rotation never
 * exposes a half-written file. Keys get mode 0600, everything else 0644. Exit 0 on success,
 * 1 on a bad PKI, 2 on a usage error.
 */
import { chmodSync, chownSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { basename, isAbsolute, join, normalize } from "node:path";

function usage(message) {
  process.stderr.write(`cert-init: ${message}\nusage: node cert-init.mjs --pki DIR --out DIR [--owner UID:GID]\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const args = { pki: "", out: "", owner: undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) usage(`${a} needs a value`);
      return argv[++i];
    };
    if (a === "--pki") args.pki = next();
    else if (a === "--out") args.out = next();
    else if (a === "--owner") {
      const m = /^(\d+):(\d+)$/.exec(next());
      if (!m) usage("--owner expects UID:GID");
      args.owner = { uid: Number(m[1]), gid: Number(m[2]) };
    } else usage(`unknown argument ${JSON.stringify(a)}`);
  }
  if (!args.pki || !args.out) usage("--pki and --out are required");
  return args;
}

/** A manifest path must stay inside the PKI directory. */
function inside(pki, rel) {
  if (typeof rel !== "string" || rel === "" || isAbsolute(rel) || normalize(rel).startsWith("..")) {
    throw new Error(`manifest path ${JSON.stringify(rel)} is not a relative path inside the PKI`);
  }
  return join(pki, rel);
}

function place(src, destDir, secret, owner) {
  mkdirSync(destDir, { recursive: true, mode: 0o755 });
  const dest = join(destDir, basename(src));
  const tmp = join(destDir, `.${basename(src)}.tmp-${process.pid}`);
  const mode = secret ? 0o600 : 0o644;
  writeFileSync(tmp, readFileSync(src), { mode });
  chmodSync(tmp, mode);
  if (owner) chownSync(tmp, owner.uid, owner.gid);
  renameSync(tmp, dest);
  return dest;
}

function main() {
  const { pki, out, owner } = parseArgs(process.argv.slice(2));
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(join(pki, "manifest.json"), "utf8"));
  } catch (e) {
    process.stderr.write(`cert-init: cannot read ${join(pki, "manifest.json")}: ${e.message}\n`);
    process.exit(1);
  }
  if (manifest?.version !== 1 || typeof manifest.trustDomains !== "object" || typeof manifest.workloads !== "object") {
    process.stderr.write("cert-init: manifest.json is not a version 1 demo PKI manifest\n");
    process.exit(1);
  }
  const written = [];
  for (const [short, td] of Object.entries(manifest.trustDomains)) {
    const dir = join(out, "trust", short);
    for (const key of ["root", "intermediate", "bundlePem", "bundleSpiffe", "crl"]) {
      written.push(place(inside(pki, td[key]), dir, false, owner));
    }
  }
  for (const [name, w] of Object.entries(manifest.workloads)) {
    const dir = join(out, "identity", name);
    written.push(place(inside(pki, w.cert), dir, false, owner));
    written.push(place(inside(pki, w.chain), dir, false, owner));
    written.push(place(inside(pki, w.key), dir, true, owner));
  }
  if (owner) {
    for (const dir of [join(out, "trust"), join(out, "identity")]) chownSync(dir, owner.uid, owner.gid);
  }
  process.stdout.write(`cert-init: laid out ${written.length} files under ${out}\n`);
}

try {
  main();
} catch (e) {
  process.stderr.write(`cert-init: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
}
