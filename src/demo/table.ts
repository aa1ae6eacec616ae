/** Plain-text rendering of the demo's results: an aligned table and readable audit lines. */
import type { AuditRecord } from "../audit/record.js";

/** Left-aligned columns separated by two spaces, with a dashed rule under the header. */
export function renderTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]))
      .join("  ")
      .trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

/** One audit record as a single readable line (the raw JSON is what the service writes). */
export function renderAuditLine(r: AuditRecord): string {
  const who = r.source_id === "" ? "(no identity)" : r.source_id;
  const via = r.proxy_id === "" ? "" : ` via ${r.proxy_id}`;
  return (
    `${r.time} ${r.decision.toUpperCase()} ${r.http_status} ${r.reason_code}  ` +
    `${who}${via} [${r.auth_method || "-"}] -> ${r.destination_principal}  ` +
    `${r.method} ${r.path} host=${r.host}  request_id=${r.request_id}  "${r.reason}"  ` +
    `policy=${r.policy_revision || "-"} ${r.latency_ms}ms${tokenPart(r)}`
  );
}

/** Both identities of a token request (the audit record never holds the tokens themselves). */
function tokenPart(r: AuditRecord): string {
  const parts: string[] = [];
  if (r.caller) parts.push(`caller=${r.caller}`);
  if (r.transport_id) parts.push(`transport=${r.transport_id} [${r.transport_method ?? "-"}]`);
  if (r.token_id) parts.push(`token=${r.token_id} [${r.token_method ?? "-"}] wit_kid=${r.wit_kid ?? "-"}`);
  if (r.token_check) parts.push(`failed_check=${r.token_check}`);
  return parts.length === 0 ? "" : `  ${parts.join(" ")}`;
}
