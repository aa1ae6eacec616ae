/**
 * A one-shot client for the demo: sends one request through the local sidecar's outbound listener
 * and prints the status and body. Run inside a workload container:
 *   node examples/workloads/call.mjs <target> <path> [METHOD]
 *   e.g. node examples/workloads/call.mjs backend /api/orders
 * Exit code: 0 for 2xx, 1 otherwise.
 */
import { callNextHop } from "./lib.mjs";

const [target, path, method = "GET"] = process.argv.slice(2);
if (!target || !path?.startsWith("/")) {
  process.stderr.write("usage: node call.mjs <target> </path> [METHOD]\n");
  process.exit(2);
}
const r = await callNextHop(target, path, { method });
process.stdout.write(`${method} ${target}${path} -> ${r.status}\n`);
process.stdout.write(`${typeof r.body === "string" ? r.body : JSON.stringify(r.body, null, 2)}\n`);
process.exit(r.status >= 200 && r.status < 300 ? 0 : 1);
