/**
 * backend (spiffe://demo.wimse-authz.local/ns/demo/sa/backend): an orders API.
 *   GET  /api/orders                the orders
 *   POST /api/orders                "creates" one
 *   GET  /api/orders/<id>/invoice   asks billing (other trust domain) through the sidecar
 */
import { callNextHop, startWorkload } from "./lib.mjs";

const ORDERS = [
  { id: "1001", item: "widget", qty: 3 },
  { id: "1002", item: "gadget", qty: 1 },
];

startWorkload("backend", async (req, url) => {
  if (url.pathname === "/api/orders" && req.method === "GET") return { body: { orders: ORDERS } };
  if (url.pathname === "/api/orders" && req.method === "POST") return { status: 201, body: { created: true } };
  const m = /^\/api\/orders\/(\d+)\/invoice$/.exec(url.pathname);
  if (m && req.method === "GET") {
    const upstream = await callNextHop("billing", `/invoices/${m[1]}`, { requestId: req.headers["x-request-id"] });
    return { body: { order: m[1], billing: upstream } };
  }
  return undefined;
});
