import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { x509Builtins } from "../../../src/policy/builtins/x509.js";

const parse = x509Builtins["crypto.parse_private_keys"] as (s: unknown) => unknown;

describe("crypto.parse_private_keys", () => {
  it("is null for an empty string and [] for text without keys (as OPA)", () => {
    expect(parse("")).toBeNull();
    expect(parse("nope")).toEqual([]);
    expect(parse("  \n")).toEqual([]);
  });

  it("returns the keys of PEM text as JWKs", () => {
    const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const pem = privateKey.export({ format: "pem", type: "pkcs8" }).toString();
    expect(parse(pem)).toEqual([expect.objectContaining({ kty: "EC", crv: "P-256" })]);
  });
});
