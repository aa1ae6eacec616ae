/**
 * policy.max_file_bytes: the largest .rego or data file a policy directory may hold. Above it the
 * load fails with bundle_too_large (and the engine stays not ready: fail closed); raised, the same
 * directory loads and decides.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError } from "../../src/config/errors.js";
import { loadConfig } from "../../src/config/load.js";
import { DEFAULT_MAX_FILE_BYTES, loadRegoDirectory } from "../../src/policy/bundle/directory.js";
import { PolicyError } from "../../src/policy/errors.js";
import { createPolicyRuntime } from "../../src/server/runtime/policy.js";

const REGO = `package t

allow if data.big[input.k] == "yes"
`;

describe("policy.max_file_bytes", () => {
  let dir: string;
  let dataBytes: number;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "wimse-maxfile-"));
    writeFileSync(join(dir, "t.rego"), REGO);
    const big: Record<string, string> = {};
    for (let i = 0; i < 2000; i++) big[`key-${i}`] = "yes";
    const text = JSON.stringify({ big });
    dataBytes = Buffer.byteLength(text);
    writeFileSync(join(dir, "data.json"), text);
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("defaults to 16 MiB in the configuration and the loader", () => {
    expect(DEFAULT_MAX_FILE_BYTES).toBe(16 * 1024 * 1024);
    expect(loadConfig({ env: {} }).policy.maxFileBytes).toBe(16 * 1024 * 1024);
  });

  it("is read from flags, environment and YAML, and must be a positive integer", () => {
    expect(
      loadConfig({ env: {}, flags: [["--policy-max-file-bytes", "67108864"]] }).policy.maxFileBytes,
    ).toBe(64 * 1024 * 1024);
    expect(loadConfig({ env: {}, yamlText: "policy:\n  max_file_bytes: 1000\n" }).policy.maxFileBytes).toBe(
      1000,
    );
    for (const bad of ["0", "-1", "1.5", "lots"]) {
      expect(() => loadConfig({ env: {}, flags: [["--policy-max-file-bytes", bad]] })).toThrow(ConfigError);
    }
  });

  it("a data file above the limit fails with bundle_too_large; at the limit it loads", async () => {
    const err = await loadRegoDirectory(dir, ["t/allow"], { maxFileBytes: dataBytes - 1 }).catch((e) => e);
    expect(err).toBeInstanceOf(PolicyError);
    expect((err as PolicyError).code).toBe("bundle_too_large");
    expect((err as PolicyError).message).toContain("data.json");
    const b = await loadRegoDirectory(dir, ["t/allow"], { maxFileBytes: dataBytes });
    expect((b.data as { big: Record<string, string> }).big["key-1999"]).toBe("yes");
  });

  it("the service's policy runtime honours policy.max_file_bytes (not ready below, deciding above)", async () => {
    const cfg = (limit: number) =>
      loadConfig({
        env: {},
        flags: [
          ["--policy-dir", dir],
          ["--policy-entrypoint", "t/allow"],
          ["--policy-watch", "false"],
          ["--policy-max-file-bytes", String(limit)],
        ],
      }).policy;
    const lines: string[] = [];
    const small = await createPolicyRuntime(cfg(dataBytes - 1), (l) => lines.push(l));
    expect(small.ready).toBe(false);
    expect(lines.join("\n")).toContain("bundle_too_large");
    await small.close?.();
    const large = await createPolicyRuntime(cfg(dataBytes), () => {});
    expect(large.ready).toBe(true);
    await large.close?.();
  });
});
