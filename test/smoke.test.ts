import { describe, expect, it } from "vitest";
import { formatRegoErrors } from "../src/rego/errors.js";

describe("rego errors", () => {
  it("formats a single error OPA-style with file:row:col", () => {
    expect(
      formatRegoErrors([
        {
          code: "rego_unsafe_var_error",
          message: "var x is unsafe",
          location: { file: "p.rego", row: 5, col: 3 },
        },
      ]),
    ).toBe("1 error occurred: p.rego:5:3: rego_unsafe_var_error: var x is unsafe");
  });
});
