import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { generateWasm } from "../../src/rego/wasm/index.js";

/** The WebAssembly JS API (not in this project's TypeScript lib set, which has no DOM). */
interface WasmApi {
  Module: {
    new (bytes: Uint8Array): object;
    imports(m: object): { module: string; name: string; kind: string }[];
    exports(m: object): { name: string; kind: string }[];
  };
  Memory: new (d: { initial: number }) => object;
  Instance: new (m: object, imports: object) => object;
}
const WA = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

const root = join(import.meta.dirname, "../..");
const committed = join(root, "src/rego/runtime/build/runtime.wasm");

const ABI_IMPORTS = new Set([
  "env.memory",
  "env.opa_abort",
  "env.opa_println",
  "env.opa_builtin0",
  "env.opa_builtin1",
  "env.opa_builtin2",
  "env.opa_builtin3",
  "env.opa_builtin4",
]);

describe("runtime.wasm", () => {
  it("is what `npm run build:runtime` builds from the sources (deterministic, committed)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rego-runtime-"));
    try {
      const out = join(dir, "runtime.wasm");
      await promisify(execFile)(process.execPath, [join(root, "scripts/build-runtime.mjs"), out], {
        cwd: root,
      });
      const rebuilt = readFileSync(out);
      expect(
        rebuilt.equals(readFileSync(committed)),
        "runtime.wasm is stale: run npm run build:runtime",
      ).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 600_000);

  it("generated modules import only OPA's ABI and fit the SDK's 5-page memory", () => {
    const wasm = generateWasm({
      static: { strings: [], files: [] },
      plans: [{ name: "p", blocks: [] }],
      funcs: [],
    });
    const mod = new WA.Module(wasm);
    for (const imp of WA.Module.imports(mod)) {
      expect(ABI_IMPORTS.has(`${imp.module}.${imp.name}`), `${imp.module}.${imp.name}`).toBe(true);
    }
    const exports = new Set(WA.Module.exports(mod).map((e) => e.name));
    for (const name of [
      "opa_wasm_abi_version",
      "opa_wasm_abi_minor_version",
      "eval",
      "opa_eval",
      "builtins",
      "entrypoints",
      "opa_eval_ctx_new",
      "opa_eval_ctx_set_input",
      "opa_eval_ctx_set_data",
      "opa_eval_ctx_set_entrypoint",
      "opa_eval_ctx_get_result",
      "opa_malloc",
      "opa_free",
      "opa_json_parse",
      "opa_value_parse",
      "opa_json_dump",
      "opa_value_dump",
      "opa_heap_ptr_get",
      "opa_heap_ptr_set",
      "opa_value_add_path",
      "opa_value_remove_path",
    ]) {
      expect(exports.has(name), name).toBe(true);
    }
    // the memory import's declared minimum (limits after the import's names) must be <= 5 pages
    const memory = new WA.Memory({ initial: 5 });
    expect(() => new WA.Instance(mod, { env: stubEnv(memory) })).not.toThrow();
  });
});

function stubEnv(memory: object): Record<string, unknown> {
  const f = () => 0;
  return {
    memory,
    opa_abort: f,
    opa_println: f,
    opa_builtin0: f,
    opa_builtin1: f,
    opa_builtin2: f,
    opa_builtin3: f,
    opa_builtin4: f,
  };
}
