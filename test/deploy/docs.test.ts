/**
 * The Rego in docs/policy-guide.md is real: the middlebox policy and its tests are extracted,
 * compiled by our compiler and run by `wimse-authz test` (src/cli/test.ts). A mutation of the
 * policy (dropping the proxy check) must make the documented tests fail.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { runTest } from "../../src/cli/test.js";
import { REPO } from "./lib/envoy-files.js";

const guide = readFileSync(join(REPO, "docs", "policy-guide.md"), "utf8");
const blocks = [...guide.matchAll(/```rego\n([\s\S]*?)```/g)].map((m) => m[1] ?? "");
const policy = blocks.find((b) => b.startsWith("package envoy.edge\n")) ?? "";
const tests = blocks.find((b) => b.startsWith("package envoy.edge_test\n")) ?? "";
const chainPolicy = blocks.find((b) => b.startsWith("package envoy.chain\n")) ?? "";
const chainTests = blocks.find((b) => b.startsWith("package envoy.chain_test\n")) ?? "";

let dir = "";
afterEach(() => {
  vi.restoreAllMocks();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function run(policyText: string, testText = tests): Promise<{ code: number; out: string }> {
  dir = mkdtempSync(join(tmpdir(), "wimse-docs-"));
  writeFileSync(join(dir, "edge.rego"), policyText);
  writeFileSync(join(dir, "edge_test.rego"), testText);
  let out = "";
  vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    out += chunk.toString();
    return true;
  });
  const code = await runTest([dir]);
  vi.restoreAllMocks();
  return { code, out };
}

describe("docs/policy-guide.md: the middlebox policy", () => {
  it("has the policy and its tests", () => {
    expect(policy).toContain("input.identity.proxy.id == middlebox");
    expect((tests.match(/^test_/gm) ?? []).length).toBeGreaterThanOrEqual(5);
  });

  it("compiles with our compiler and passes its documented tests under `wimse-authz test`", async () => {
    const r = await run(policy);
    expect(r.out).toMatch(/PASS: 5\/5/);
    expect(r.code).toBe(0);
  });

  it("the tests catch a policy that forgets to check the proxy identity", async () => {
    const r = await run(policy.replace("\tinput.identity.proxy.id == middlebox\n", ""));
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/FAIL/);
  });
});

describe("docs/policy-guide.md: the token-caller policy (caller via the middlebox)", () => {
  it("has the policy and its tests", () => {
    expect(chainPolicy).toContain("input.identity.transport.id == middlebox");
    expect((chainTests.match(/^test_/gm) ?? []).length).toBe(6);
  });

  it("compiles with our compiler and passes its documented tests", async () => {
    const r = await run(chainPolicy, chainTests);
    expect(r.out).toMatch(/PASS: 6\/6/);
    expect(r.code).toBe(0);
  });

  it("the tests catch a policy that forgets the transport check", async () => {
    const line = "\tinput.identity.transport.id == middlebox\n";
    expect(chainPolicy).toContain(line);
    const r = await run(chainPolicy.replace(line, ""), chainTests);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/FAIL/);
  });
});
