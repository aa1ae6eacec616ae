/**
 * Shared code of the sample workloads (plain node:http, no dependencies).
 *
 * A workload listens on loopback (127.0.0.1:8080 by default): it shares its network namespace
 * with its Envoy sidecar, which is the only way in from the network. It calls other workloads
 * through the sidecar's outbound listener (EGRESS, default 127.0.0.1:15001) in plain HTTP with
 * the target's name as Host; the sidecar adds mTLS with this workload's identity.
 *
 * Environment: HOST (default 127.0.0.1), PORT (default 8080; 0 = any free port),
 *              EGRESS (default 127.0.0.1:15001).
 */
import http from "node:http";

/**
 * Headers added upstream on allow: the identity headers of wimse-authz (decision.headers.* in its
 * configuration) and the rule the default policy reports (policies/envoy/authz.rego).
 */
const IDENTITY_HEADERS = {
  caller: "x-wimse-workload-id",
  trust_domain: "x-wimse-trust-domain",
  proxy: "x-wimse-proxy-id",
  auth_method: "x-wimse-auth-method",
  rule: "x-wimse-authz-rule",
};

export function callerOf(req) {
  const out = {};
  for (const [k, h] of Object.entries(IDENTITY_HEADERS)) {
    const v = req.headers[h];
    if (typeof v === "string") out[k] = v;
  }
  return out;
}

export function sendJson(res, status, body) {
  const text = `${JSON.stringify(body)}\n`;
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

function egress() {
  const [host, port] = (process.env.EGRESS ?? "127.0.0.1:15001").split(":");
  return { host: host || "127.0.0.1", port: Number(port || 15001) };
}

/** Calls `target` (a next-hop name: backend, billing, edge) through the local sidecar. */
export function callNextHop(target, path, { method = "GET", requestId } = {}) {
  const { host, port } = egress();
  return new Promise((resolve) => {
    const headers = { host: target };
    if (requestId) headers["x-request-id"] = requestId;
    const req = http.request({ host, port, path, method, headers, timeout: 20_000 }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let body = text;
        try {
          body = JSON.parse(text);
        } catch {
          // Envoy's own responses (403 from ext_authz, 503) are plain text or empty.
        }
        resolve({ status: res.statusCode ?? 0, body });
      });
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", (e) => resolve({ status: 0, body: `error: ${e.message}` }));
    req.end();
  });
}

/**
 * Starts a workload. `handle(req, url)` returns {status, body} or undefined (then 404).
 * Every response names the service and the caller identity wimse-authz vouched for.
 */
export function startWorkload(name, handle) {
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://workload");
    if (url.pathname === "/healthz") return sendJson(res, 200, { service: name, ok: true });
    try {
      const r = await handle(req, url);
      if (!r) return sendJson(res, 404, { service: name, error: "not found", path: url.pathname });
      sendJson(res, r.status ?? 200, { service: name, ...callerOf(req), ...r.body });
    } catch (e) {
      sendJson(res, 500, { service: name, error: e instanceof Error ? e.message : String(e) });
    }
  });
  const host = process.env.HOST ?? "127.0.0.1";
  const port = Number(process.env.PORT ?? 8080);
  server.listen(port, host, () => {
    const a = server.address();
    process.stdout.write(`${name} listening on ${host}:${typeof a === "object" && a ? a.port : port}\n`);
  });
  for (const sig of ["SIGTERM", "SIGINT"]) process.on(sig, () => server.close(() => process.exit(0)));
  return server;
}
