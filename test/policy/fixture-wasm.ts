/**
 * Test modules built from hand-written IR through our Wasm code generator (src/rego/wasm), so the
 * policy stage can be tested against real OPA-ABI modules independently of the Rego front end.
 */
import type { Policy } from "../../src/rego/ir/types.js";
import { generateWasm } from "../../src/rego/wasm/index.js";

/**
 * Entrypoints:
 *   test/echo     -> input.decision (undefined when absent)
 *   test/data     -> data.answer
 *   test/builtin  -> custom.fail(input.arg) (a host builtin)
 */
export function echoPolicy(): Uint8Array {
  const policy: Policy = {
    static: { strings: ["decision", "answer", "arg"], files: ["fixture.rego"] },
    plans: [
      {
        name: "test/echo",
        blocks: [
          {
            stmts: [
              {
                type: "Dot",
                source: { kind: "local", local: 0 },
                key: { kind: "string", index: 0 },
                target: 2,
              },
              { type: "ResultSetAdd", value: 2 },
            ],
          },
        ],
      },
      {
        name: "test/data",
        blocks: [
          {
            stmts: [
              {
                type: "Dot",
                source: { kind: "local", local: 1 },
                key: { kind: "string", index: 1 },
                target: 2,
              },
              { type: "ResultSetAdd", value: 2 },
            ],
          },
        ],
      },
      {
        name: "test/builtin",
        blocks: [
          {
            stmts: [
              {
                type: "Dot",
                source: { kind: "local", local: 0 },
                key: { kind: "string", index: 2 },
                target: 2,
              },
              { type: "Call", func: "custom.fail", args: [{ kind: "local", local: 2 }], result: 3 },
              { type: "ResultSetAdd", value: 3 },
            ],
          },
        ],
      },
    ],
    funcs: [],
  };
  return generateWasm(policy);
}
