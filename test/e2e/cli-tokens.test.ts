/**
 * `wimse-authz tokens`: what it prints is accepted by the service's token stage loaded from the
 * same demo PKI (WPT and HTTP signature, curl / headers / json output), and its usage errors.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { runTokens } from "../../src/cli/tokens.js";
import { loadConfig } from "../../src/config/load.js";
import type { HttpRequestView, TokenAuthenticator } from "../../src/identity/tokens/types.js";
import { DEMO_TOKEN_TARGETS } from "../../src/pki/demo.js";
import { type DemoPkiManifest, generateDemoPki } from "../../src/pki/write.js";
import { createTokenRuntime } from "../../src/server/runtime/tokens.js";

let dir: string;
let pki: string;
let manifest: DemoPkiManifest;
let stage: TokenAuthenticator;

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const o = vi.spyOn(process.stdout, "write").mockImplementation((c) => {
    out += String(c);
    return true;
  });
  const e = vi.spyOn(process.stderr, "write").mockImplementation((c) => {
    err += String(c);
    return true;
  });
  try {
    return { code: await runTokens(args), out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

function view(method: string, path: string, headers: Record<string, string>, body?: string): HttpRequestView {
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  return {
    method,
    scheme: "https",
    host: "middlebox",
    path,
    headers: lower,
    bodyTruncated: false,
    ...(body !== undefined ? { body: new TextEncoder().encode(body) } : {}),
  };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "wimse-cli-tokens-"));
  pki = join(dir, "pki");
  manifest = await generateDemoPki(pki);
  const s = await createTokenRuntime({
    config: loadConfig({ env: {} }),
    demo: { dir: pki, manifest },
    log: () => {},
  });
  if (!s) throw new Error("no token stage");
  stage = s;
}, 60_000);

afterAll(() => {
  stage?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("wimse-authz tokens", () => {
  it("json: WIT + WPT for backend that the service accepts once (then it is a replay)", async () => {
    const r = await run(["--pki-dir", pki, "--format", "json"]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out) as { sub: string; aud: string; headers: Record<string, string> };
    expect(doc.sub).toBe(manifest.workloads.backend.id);
    expect(doc.aud).toBe(DEMO_TOKEN_TARGETS.billing);
    const ok = await stage.authenticate(view("GET", "/invoices", doc.headers));
    expect(ok).toMatchObject({
      present: true,
      ok: true,
      identity: { id: manifest.workloads.backend.id, method: "wit-wpt" },
    });
    expect(await stage.authenticate(view("GET", "/invoices", doc.headers))).toMatchObject({
      ok: false,
      code: "wpt_replayed",
    });
    expect(r.err).not.toContain(doc.headers["workload-identity-token"]);
  });

  it("curl: -H arguments of an HTTP signature over a body, for another workload and target", async () => {
    const r = await run([
      "--pki-dir",
      pki,
      "--workload",
      "billing",
      "--proof",
      "http-sig",
      "--method",
      "POST",
      "--url",
      `${DEMO_TOKEN_TARGETS.backend}/callbacks/billing`,
      "--data",
      '{"paid":true}',
    ]);
    expect(r.code).toBe(0);
    const headers = Object.fromEntries(
      [...r.out.matchAll(/-H '([^:]+): ([^']*)'/g)].map((m) => [m[1], m[2]]),
    );
    expect(Object.keys(headers)).toEqual(
      expect.arrayContaining(["Workload-Identity-Token", "Signature", "Signature-Input", "Content-Digest"]),
    );
    expect(r.out).toContain(`--data-binary '{"paid":true}'`);
    const res = await stage.authenticate(view("POST", "/callbacks/billing", headers, '{"paid":true}'));
    expect(res).toMatchObject({
      ok: true,
      identity: { id: manifest.workloads.billing.id, method: "http-sig" },
    });
  });

  it("headers: Name: value lines; a WPT for a foreign audience is refused by the service", async () => {
    const r = await run(["--pki-dir", pki, "--format", "headers", "--aud", "https://elsewhere.example"]);
    expect(r.code).toBe(0);
    const headers = Object.fromEntries(
      r.out
        .trim()
        .split("\n")
        .map((l) => [l.slice(0, l.indexOf(":")), l.slice(l.indexOf(":") + 2)]),
    );
    expect(await stage.authenticate(view("GET", "/invoices", headers))).toMatchObject({
      ok: false,
      check: "wpt.aud",
    });
  });

  it.each([
    [["--proof", "bearer"], 2, /--proof/],
    [["--method", "get"], 2, /--method/],
    [["--url", "/relative"], 2, /absolute URL/],
    [["--lifetime", "0"], 2, /--lifetime/],
    [["--bogus"], 2, /unknown argument/],
    [["--workload"], 2, /needs a value/],
  ])("usage error %j -> exit %i", async (args, code, message) => {
    const r = await run(["--pki-dir", pki, ...(args as string[])]);
    expect(r.code).toBe(code);
    expect(r.err).toMatch(message);
    expect(r.out).toBe("");
  });

  it("no demo PKI, or an unknown workload: exit 1 with a hint", async () => {
    const none = await run(["--pki-dir", join(dir, "absent")]);
    expect(none.code).toBe(1);
    expect(none.err).toMatch(/wimse-authz certs/);
    const unknown = await run(["--pki-dir", pki, "--workload", "nobody"]);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toMatch(/no demo workload "nobody"/);
  });
});
