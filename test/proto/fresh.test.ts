import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "../..");

function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...listFiles(full));
    else out.push(full);
  }
  return out;
}

describe("generated protobuf code (src/gen)", () => {
  const fresh = mkdtempSync(join(tmpdir(), "wimse-gen-"));
  afterAll(() => rmSync(fresh, { recursive: true, force: true }));

  it("matches a fresh `npm run proto` generation byte for byte", { timeout: 600_000 }, () => {
    const out = join(fresh, "gen");
    execFileSync(process.execPath, [join(root, "scripts/proto.mjs"), out], { stdio: "pipe" });
    const committedDir = join(root, "src/gen");
    const committed = listFiles(committedDir)
      .map((f) => relative(committedDir, f))
      .sort();
    const generated = listFiles(out)
      .map((f) => relative(out, f))
      .sort();
    expect(generated.length).toBeGreaterThan(0);
    expect(committed).toEqual(generated);
    const stale = generated.filter(
      (f) => readFileSync(join(out, f), "utf8") !== readFileSync(join(committedDir, f), "utf8"),
    );
    expect(stale, "stale files: run `npm run proto` and commit src/gen").toEqual([]);
  });

  it("covers the ext_authz, health and Envoy bootstrap APIs", () => {
    for (const f of [
      "envoy/service/auth/v3/external_auth.ts",
      "grpc/health/v1/health.ts",
      "envoy/config/bootstrap/v3/bootstrap.ts",
    ]) {
      expect(statSync(join(root, "src/gen", f)).isFile()).toBe(true);
    }
  });
});
