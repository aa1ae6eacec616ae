import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { runBuild } from "../../src/cli/build.js";
import { runTest } from "../../src/cli/test.js";
import { loadBundleFile } from "../../src/policy/bundle/load.js";
import { WasmPolicyEngine } from "../../src/policy/engine.js";
import { bundleFileSource, regoDirectorySource } from "../../src/policy/source.js";

const policies = path.resolve(__dirname, "../../policies");

function capture(): { out: () => string; restore: () => void } {
  let text = "";
  const o = vi.spyOn(process.stdout, "write").mockImplementation((s: string | Uint8Array) => {
    text += String(s);
    return true;
  });
  const e = vi.spyOn(process.stderr, "write").mockImplementation((s: string | Uint8Array) => {
    text += String(s);
    return true;
  });
  return {
    out: () => text,
    restore: () => {
      o.mockRestore();
      e.mockRestore();
    },
  };
}

async function run(
  fn: (argv: string[]) => Promise<number>,
  argv: string[],
): Promise<{ code: number; out: string }> {
  const c = capture();
  try {
    const code = await fn(argv);
    return { code, out: c.out() };
  } finally {
    c.restore();
  }
}

const frontend = "spiffe://demo.wimse-authz.local/ns/demo/sa/frontend";
const backend = "spiffe://demo.wimse-authz.local/ns/demo/sa/backend";
const input = (id: string, method: string, p: string) => ({
  attributes: { request: { http: { method, path: p, headers: {} } }, destination: { principal: backend } },
  identity: {
    id,
    scheme: "spiffe",
    trustDomain: "demo.wimse-authz.local",
    path: "/ns/demo/sa/frontend",
    method: "mtls",
  },
});

describe("wimse-authz test", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "wimse-cli-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("passes the default policy's unit tests", async () => {
    const r = await run(runTest, [policies, "-v"]);
    expect(r.out).toMatch(/data\.envoy\.authz_test\.test_frontend_may_call_backend_api: PASS/);
    expect(r.out).toMatch(/^PASS: (\d+)\/\1$/m);
    expect(r.code).toBe(0);
  });

  it("reports failing and undefined tests and exits 1", async () => {
    const d = path.join(dir, "failing");
    await rm(d, { recursive: true, force: true });
    await import("node:fs/promises").then((fs) => fs.mkdir(d));
    await writeFile(
      path.join(d, "x_test.rego"),
      "package x\n\ntest_ok if { 1 == 1 }\n\ntest_false if { 1 == 2 }\n\ntest_undefined if { input.nope }\n",
    );
    const r = await run(runTest, [d]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/data\.x\.test_false: FAIL/);
    expect(r.out).toMatch(/data\.x\.test_undefined: FAIL \(undefined\)/);
    expect(r.out).not.toMatch(/test_ok: PASS/);
    expect(r.out).toMatch(/PASS: 1\/3/);
    expect(r.out).toMatch(/FAIL: 2\/3/);
  });

  it("exits 1 on a compile error with its location", async () => {
    const d = path.join(dir, "broken");
    await import("node:fs/promises").then((fs) => fs.mkdir(d, { recursive: true }));
    await writeFile(path.join(d, "b_test.rego"), "package b\n\ntest_x if { x := }\n");
    const r = await run(runTest, [d]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/b_test\.rego:3:\d+: rego_parse_error/);
  });

  it("exits 2 on usage errors", async () => {
    expect((await run(runTest, [])).code).toBe(2);
    expect((await run(runTest, ["--bogus", policies])).code).toBe(2);
  });
});

describe("wimse-authz build", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "wimse-build-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("writes an OPA-format bundle that the engine loads and enforces", async () => {
    const out = path.join(dir, "bundle.tar.gz");
    const r = await run(runBuild, [
      "-t",
      "wasm",
      "-e",
      "envoy/authz/allow",
      policies,
      "-o",
      out,
      "--revision",
      "test-1",
    ]);
    expect(r.code, r.out).toBe(0);
    const b = await loadBundleFile(out);
    expect(b.revision).toBe("test-1");
    expect(b.manifest).toMatchObject({
      roots: [""],
      regoVersion: 1,
      wasm: [{ entrypoint: "envoy/authz/allow", module: "/policy.wasm" }],
    });
    expect(b.sources).toEqual(["envoy/authz.rego"]);
    expect(b.data).toHaveProperty("wimse.acl");

    const engine = await WasmPolicyEngine.start({ source: bundleFileSource(out) });
    expect(engine.ready).toBe(true);
    expect(engine.evaluate(input(frontend, "GET", "/api/x"))).toMatchObject({
      kind: "decision",
      decision: { allowed: true, headers: { "x-wimse-authz-rule": ["acl:frontend-to-backend-api"] } },
      revision: "test-1",
    });
    expect(
      engine.evaluate(input("spiffe://evil.example/ns/demo/sa/frontend", "GET", "/api/x")),
    ).toMatchObject({
      kind: "decision",
      decision: { allowed: false, httpStatus: 403 },
    });
  });

  it("the rego directory source compiles policies/ at start", async () => {
    const engine = await WasmPolicyEngine.start({
      source: regoDirectorySource(policies, ["envoy/authz/allow"]),
    });
    expect(engine.ready).toBe(true);
    expect(engine.revision).toMatch(/^sha256:/);
    expect(engine.evaluate(input(frontend, "POST", "/api"))).toMatchObject({
      kind: "decision",
      decision: { allowed: true },
    });
  });

  it.each([
    [["-e", "envoy/authz/allow", "-o", "x"], 2],
    [["-t", "rego", "-e", "a/b", "p"], 2],
    [["p", "-o", "x"], 2],
  ])("rejects bad usage %j", async (argv, code) => {
    expect((await run(runBuild, argv as string[])).code).toBe(code);
  });

  it("exits 1 on a compile error and writes nothing", async () => {
    const src = path.join(dir, "bad");
    await import("node:fs/promises").then((fs) => fs.mkdir(src, { recursive: true }));
    await writeFile(path.join(src, "p.rego"), "package p\n\nallow if { y == 1 }\n");
    const target = path.join(dir, "x.tar.gz");
    const r = await run(runBuild, ["-e", "p/allow", src, "-o", target]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/p\.rego:3:\d+: rego_unsafe_var_error/);
    await expect(import("node:fs/promises").then((fs) => fs.stat(target))).rejects.toThrow();
  });
});
