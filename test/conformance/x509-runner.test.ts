/**
 * The x509-limbo runner itself, on a small file made here (no ../shared needed): its CLI prints
 * one line per case and the closing `N passed, N failed`, and FAIL exactly when our verdict
 * differs from expected_result.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { makeLeaf, makeRoot } from "../identity-core/pki.js";
import { runLimbo } from "./x509-runner.js";

const DAY = 86_400_000;
let file: string;

beforeAll(async () => {
  const root = await makeRoot({ subject: "CN=runner root" });
  const good = await makeLeaf(root, { uris: [], dns: ["svc.example"], eku: ["1.3.6.1.5.5.7.3.1"] });
  const expired = await makeLeaf(root, {
    uris: [],
    dns: ["svc.example"],
    notAfter: new Date(Date.now() - DAY),
  });
  const base = {
    trusted_certs: [root.pem],
    untrusted_intermediates: [],
    validation_time: null,
    extended_key_usage: null,
    key_usage: null,
    max_chain_depth: null,
  };
  const testcases = [
    {
      ...base,
      id: "t::good",
      peer_certificate: good.pem,
      expected_peer_name: { kind: "DNS", value: "svc.example" },
      expected_result: "SUCCESS",
    },
    {
      ...base,
      id: "t::wrong-name",
      peer_certificate: good.pem,
      expected_peer_name: { kind: "DNS", value: "other.example" },
      expected_result: "FAILURE",
    },
    {
      ...base,
      id: "t::expired",
      peer_certificate: expired.pem,
      expected_peer_name: null,
      expected_result: "FAILURE",
    },
    // Deliberately mislabelled: the runner must report it as a FAIL.
    {
      ...base,
      id: "t::mislabelled",
      peer_certificate: expired.pem,
      expected_peer_name: null,
      expected_result: "SUCCESS",
    },
    {
      ...base,
      id: "t::garbage",
      peer_certificate: "not a certificate",
      expected_peer_name: null,
      expected_result: "FAILURE",
    },
  ];
  file = join(mkdtempSync(join(tmpdir(), "limbo-")), "cases.json");
  writeFileSync(file, JSON.stringify({ version: 1, testcases }));
});

describe("x509-limbo runner", () => {
  it("judges each case through the validation code", () => {
    const out = runLimbo(file);
    expect(out.map((o) => [o.id, o.pass])).toEqual([
      ["t::good", true],
      ["t::wrong-name", true],
      ["t::expired", true],
      ["t::mislabelled", false],
      ["t::garbage", true],
    ]);
    expect(out[2]?.verdict).toMatch(/^x509_expired/);
    expect(out[1]?.verdict).toMatch(/^x509_name_mismatch/);
  });

  it("prints PASS/FAIL lines and the closing count", () => {
    const runner = fileURLToPath(new URL("./x509-runner.ts", import.meta.url));
    const tsx = fileURLToPath(new URL("../../node_modules/.bin/tsx", import.meta.url));
    const text = execFileSync(tsx, [runner, file], { encoding: "utf8" });
    const lines = text.trim().split("\n");
    expect(lines[0]).toBe("PASS t::good");
    expect(lines[3]).toMatch(/^FAIL t::mislabelled x509_expired/);
    expect(lines[lines.length - 1]).toBe("4 passed, 1 failed");
  }, 60_000);
});
