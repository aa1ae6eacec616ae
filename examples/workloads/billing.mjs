/**
 * billing (wimse://demo2.wimse-authz.local/workload/billing), in the second trust domain.
 *   GET /invoices/<id>   an invoice
 */
import { startWorkload } from "./lib.mjs";

startWorkload("billing", async (req, url) => {
  const m = /^\/invoices\/(\d+)$/.exec(url.pathname);
  if (m && req.method === "GET") return { body: { invoice: { order: m[1], amount: "42.00", currency: "EUR" } } };
  return undefined;
});
