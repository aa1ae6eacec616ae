/**
 * frontend (spiffe://demo.wimse-authz.local/ns/demo/sa/frontend): a web tier that calls the others.
 *   GET /call/<target>/<path...>[?method=POST]   calls <target> (backend, billing or edge) through
 *                                  the sidecar and reports what came back, e.g. /call/backend/api/orders
 */
import { callNextHop, startWorkload } from "./lib.mjs";

startWorkload("frontend", async (req, url) => {
  const m = /^\/call\/([a-z0-9-]+)(\/.*)$/.exec(url.pathname);
  if (!m) return undefined;
  const [, target, path] = m;
  const params = new URLSearchParams(url.search);
  const method = params.get("method") ?? "GET";
  params.delete("method");
  const query = params.toString();
  const upstream = await callNextHop(target, query ? `${path}?${query}` : path, {
    method,
    requestId: req.headers["x-request-id"],
  });
  return { status: 200, body: { called: `${method} ${target}${path}`, upstream } };
});
