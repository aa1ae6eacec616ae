import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runLimbo } from "./x509-runner.js";

const limbo = fileURLToPath(new URL("../../../shared/conformance/x509-limbo/limbo.json", import.meta.url));
const unsupportedDoc = fileURLToPath(new URL("../../docs/x509-unsupported.md", import.meta.url));

function listedUnsupported(): string[] {
  return [...readFileSync(unsupportedDoc, "utf8").matchAll(/^- `([^`]+::[^`]+)`$/gm)].map(
    (m) => m[1] as string,
  );
}

describe.skipIf(!existsSync(limbo))("x509-limbo conformance (needs ../shared/conformance/x509-limbo)", () => {
  it("fails exactly the cases listed in docs/x509-unsupported.md", () => {
    const outcomes = runLimbo(limbo);
    expect(outcomes.length).toBe(91);
    const failing = outcomes
      .filter((o) => !o.pass)
      .map((o) => o.id)
      .sort();
    const listed = listedUnsupported().sort();
    expect(listed.length).toBeGreaterThan(0);
    expect(failing).toEqual(listed);
  }, 180_000);
});
