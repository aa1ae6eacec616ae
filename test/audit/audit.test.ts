import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AuditRecord, formatRecord, safeText } from "../../src/audit/record.js";
import { Writable } from "node:stream";
import { openAuditSink, StreamSink } from "../../src/audit/sink.js";
import { allowAll, FakeIdentity, ScriptedPolicy } from "../server/support/doubles.js";
import { envoyRequest, fakeCert, type Harness, startHarness } from "../server/support/harness.js";

const record = (over: Partial<AuditRecord> = {}): AuditRecord => ({
  time: "2026-01-01T00:00:00.000Z",
  decision_id: "d",
  request_id: "r",
  source_id: "spiffe://a/b",
  proxy_id: "",
  auth_method: "mtls",
  destination_principal: "",
  method: "GET",
  host: "h",
  path: "/",
  decision: "allow",
  http_status: 200,
  reason_code: "allowed",
  reason: "",
  policy_revision: "1",
  latency_ms: 0.1,
  ...over,
});

describe("audit record formatting", () => {
  it("is one JSON line with exactly the documented fields", () => {
    const line = formatRecord(record());
    expect(line.endsWith("\n")).toBe(true);
    expect(line.slice(0, -1)).not.toContain("\n");
    expect(Object.keys(JSON.parse(line)).sort()).toEqual(
      [
        "auth_method",
        "decision",
        "decision_id",
        "destination_principal",
        "host",
        "http_status",
        "latency_ms",
        "method",
        "path",
        "policy_revision",
        "proxy_id",
        "reason",
        "reason_code",
        "request_id",
        "source_id",
        "time",
      ].sort(),
    );
  });

  it.each([
    ["a PEM block", "bad cert -----BEGIN CERTIFICATE-----MIIB...", "-----BEGIN"],
    ["a JWT", "token eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.sig", "eyJhbGciOiJFUzI1NiJ9"],
    ["control characters", "a\nb\u0000c", "\n"],
  ])("redacts %s in free text", (_n, text, forbidden) => {
    expect(safeText(text)).not.toContain(forbidden);
  });

  it("bounds long fields", () => {
    expect(safeText("x".repeat(10_000)).length).toBeLessThan(2100);
  });
});

/** A sink over a stream that records each chunk it is handed. */
function collectingSink(flushIntervalMs: number): { sink: StreamSink; chunks: string[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return { sink: new StreamSink(stream, false, { flushIntervalMs }), chunks };
}

describe("audit sink", () => {
  it("writes to a file asynchronously and flushes on close", async () => {
    const dir = mkdtempSync(join(tmpdir(), "wimse-audit-"));
    try {
      const file = join(dir, "audit.log");
      const sink = openAuditSink(file);
      for (let i = 0; i < 100; i++) sink.write(record({ decision_id: `d${i}` }));
      await sink.close();
      const lines = readFileSync(file, "utf8").trim().split("\n");
      expect(lines).toHaveLength(100);
      expect(JSON.parse(lines[99]).decision_id).toBe("d99");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("hands lines over in batches: one stream write per interval, none before it", async () => {
    const { sink, chunks } = collectingSink(30);
    for (let i = 0; i < 20; i++) sink.write(record({ decision_id: `d${i}` }));
    await new Promise((r) => setImmediate(r));
    expect(chunks).toHaveLength(0);
    await new Promise((r) => setTimeout(r, 80));
    expect(chunks).toHaveLength(1);
    expect(chunks[0].trim().split("\n")).toHaveLength(20);
    // flush() does not wait for the interval.
    sink.write(record({ decision_id: "last" }));
    await sink.flush();
    expect(chunks).toHaveLength(2);
    expect(JSON.parse(chunks[1]).decision_id).toBe("last");
  });

  it("hands a large batch over at once, before the interval", async () => {
    const { sink, chunks } = collectingSink(60_000);
    for (let i = 0; i < 400; i++) sink.write(record({ reason: "x".repeat(300) }));
    await new Promise((r) => setImmediate(r));
    expect(chunks.length).toBeGreaterThan(0);
    await sink.close();
    expect(chunks.join("").trim().split("\n")).toHaveLength(400);
  });

  it("drops (and counts) lines instead of blocking when the buffer is full", async () => {
    const { PassThrough } = await import("node:stream");
    const { StreamSink } = await import("../../src/audit/sink.js");
    const sink = new StreamSink(new PassThrough(), false, { maxBufferBytes: 1000 });
    for (let i = 0; i < 50; i++) sink.write(record());
    expect(sink.dropped).toBeGreaterThan(0);
  });
});

describe("audit lines from a running server never carry secrets", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ identity: new FakeIdentity(), policy: new ScriptedPolicy(allowAll()) });
  });
  afterAll(() => h.close());

  it("no Authorization, cookies, tokens, query strings, bodies or certificates", async () => {
    const secrets = {
      authorization: "Bearer s3cr3t-bearer-token",
      cookie: "session=c00kie-value",
      "workload-identity-token": "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ3aXQifQ.c2lnbmF0dXJl",
      "x-api-key": "k3y-material",
    };
    const cert = fakeCert("spiffe://demo.example/ns/web/sa/frontend");
    await h.check(
      envoyRequest({
        certificate: cert,
        method: "POST",
        path: "/pay?access_token=qu3ry-t0ken",
        headers: { ...secrets, "content-type": "application/json" },
        body: '{"password":"b0dy-secret"}',
      }),
    );
    await h.check(envoyRequest({ certificate: "-----BEGIN%20CERTIFICATE-----garbage", headers: secrets }));
    const text = await h.auditText();
    expect(text.trim().split("\n")).toHaveLength(2);
    for (const s of [
      "s3cr3t-bearer-token",
      "c00kie-value",
      "eyJhbGciOiJFUzI1NiJ9",
      "k3y-material",
      "qu3ry-t0ken",
      "access_token",
      "b0dy-secret",
      cert,
      "FAKE-CERT",
      "BEGIN",
    ]) {
      expect(text, s).not.toContain(s);
    }
    const first = JSON.parse(text.split("\n")[0]) as AuditRecord;
    expect(first).toMatchObject({
      path: "/pay",
      method: "POST",
      source_id: "spiffe://demo.example/ns/web/sa/frontend",
    });
  });
});
