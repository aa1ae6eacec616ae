#!/usr/bin/env node
/**
 * Kubernetes probe for wimse-authz over its mTLS listener: calls grpc.health.v1.Health/Check.
 * (kubelet's built-in `grpc:` probe speaks plaintext only and cannot reach an mTLS listener.)
 *
 *   node k8s/grpc-health-probe.mjs --addr 127.0.0.1:9191 --ca CA.pem --cert CHAIN.pem --key KEY.pem
 *        --expect-id spiffe://.../sa/wimse-authz [--service NAME] [--alive] [--timeout-ms 2000]
 *
 * Exit 0: readiness (default) when the status is SERVING; with --alive, whenever the server
 * answers Health at all (NOT_SERVING while loading or draining is alive, not ready).
 * Exit 1 otherwise (no answer, TLS failure, server identity not --expect-id, other status).
 * The server is authenticated by its exact workload identifier (URI SAN), not by host name.
 * Only @grpc/grpc-js is used; the two tiny messages are encoded by hand.
 */
import { readFileSync } from "node:fs";
import { Client, credentials } from "@grpc/grpc-js";

const STATUS = ["UNKNOWN", "SERVING", "NOT_SERVING", "SERVICE_UNKNOWN"];

function fail(message, code = 1) {
  process.stderr.write(`grpc-health-probe: ${message}\n`);
  process.exit(code);
}

function parseArgs(argv) {
  const a = { addr: "", ca: "", cert: "", key: "", expectId: "", service: "", alive: false, timeoutMs: 2000 };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const v = () => (i + 1 < argv.length ? argv[++i] : fail(`${k} needs a value`, 2));
    if (k === "--addr") a.addr = v();
    else if (k === "--ca") a.ca = v();
    else if (k === "--cert") a.cert = v();
    else if (k === "--key") a.key = v();
    else if (k === "--expect-id") a.expectId = v();
    else if (k === "--service") a.service = v();
    else if (k === "--timeout-ms") a.timeoutMs = Number(v());
    else if (k === "--alive") a.alive = true;
    else fail(`unknown argument ${JSON.stringify(k)}`, 2);
  }
  for (const k of ["addr", "ca", "cert", "key", "expectId"]) if (!a[k]) fail(`--${k.replace("Id", "-id")} is required`, 2);
  if (!Number.isInteger(a.timeoutMs) || a.timeoutMs <= 0) fail("--timeout-ms must be a positive integer", 2);
  return a;
}

function varint(n) {
  const out = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return out;
}

/** HealthCheckRequest { string service = 1; } */
function encodeRequest(service) {
  const bytes = Buffer.from(service, "utf8");
  return bytes.length === 0 ? Buffer.alloc(0) : Buffer.from([0x0a, ...varint(bytes.length), ...bytes]);
}

/** HealthCheckResponse { ServingStatus status = 1; } -> status number (0 when absent). */
function decodeResponse(buf) {
  let status = 0;
  let i = 0;
  const readVarint = () => {
    let n = 0;
    let shift = 0;
    for (;;) {
      if (i >= buf.length) throw new Error("truncated varint");
      const b = buf[i++];
      n |= (b & 0x7f) << shift;
      if ((b & 0x80) === 0) return n >>> 0;
      shift += 7;
      if (shift > 28) throw new Error("varint too long");
    }
  };
  while (i < buf.length) {
    const tag = readVarint();
    const wire = tag & 7;
    if (tag >>> 3 === 1 && wire === 0) status = readVarint();
    else if (wire === 0) readVarint();
    else if (wire === 2) i += readVarint();
    else throw new Error(`unexpected wire type ${wire}`);
  }
  return status;
}

function uriSans(cert) {
  return (cert?.subjectaltname ?? "")
    .split(", ")
    .filter((s) => s.startsWith("URI:"))
    .map((s) => s.slice(4));
}

const args = parseArgs(process.argv.slice(2));
let creds;
try {
  creds = credentials.createSsl(readFileSync(args.ca), readFileSync(args.key), readFileSync(args.cert), {
    // mutual-tls §4: the server is identified by its workload identifier, exactly.
    checkServerIdentity: (_host, cert) => {
      const ids = uriSans(cert);
      return ids.length === 1 && ids[0] === args.expectId
        ? undefined
        : new Error(`server identity ${JSON.stringify(ids)} is not ${args.expectId}`);
    },
  });
} catch (e) {
  fail(`cannot read TLS files: ${e.message}`);
}
// A DNS-style SNI (an IP address is not a valid TLS server name); the server is authenticated by
// checkServerIdentity above, not by this name.
const client = new Client(args.addr, creds, { "grpc.ssl_target_name_override": "wimse-authz" });
client.makeUnaryRequest(
  "/grpc.health.v1.Health/Check",
  encodeRequest,
  decodeResponse,
  args.service,
  { deadline: Date.now() + args.timeoutMs },
  (err, status) => {
    client.close();
    if (err) fail(`Health/Check failed: ${err.details || err.message}`);
    const name = STATUS[status] ?? String(status);
    if (args.alive || status === 1) {
      process.stdout.write(`${name}\n`);
      process.exit(0);
    }
    fail(`status ${name}`);
  },
);
