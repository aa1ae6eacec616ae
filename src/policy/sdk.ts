/**
 * The one place that touches @open-policy-agent/opa-wasm: load a module with our host builtins
 * and evaluate it. Everything else in src/policy goes through this file.
 */
import { createRequire } from "node:module";
import path from "node:path";
import { loadPolicy } from "@open-policy-agent/opa-wasm";

export type HostBuiltin = (...args: unknown[]) => unknown;
export type HostBuiltins = Record<string, HostBuiltin>;

/** The loaded policy as the SDK exposes it (its typings use `any`; this is the part we use). */
export interface WasmPolicy {
  readonly entrypoints: Record<string, number>;
  evaluate(input: ArrayBuffer | undefined, entrypoint: number | string): unknown;
  setData(data: ArrayBuffer): void;
}

/**
 * The SDK consults its own small table (sprintf via sprintf-js, regex.split, yaml.*,
 * json.is_valid) BEFORE the host's customBuiltins, and those differ from OPA's semantics
 * (sprintf-js is not Go's fmt). We empty that table once, in memory, so that our host builtins
 * (src/policy/builtins) are the only ones used. The package's files are not modified.
 */
let sdkTableCleared = false;
function clearSdkBuiltinTable(): void {
  if (sdkTableCleared) return;
  const require = createRequire(import.meta.url);
  const entry = require.resolve("@open-policy-agent/opa-wasm");
  const table = require(path.join(path.dirname(entry), "builtins", "index.js")) as Record<string, unknown>;
  for (const key of Object.keys(table)) delete table[key];
  sdkTableCleared = true;
}

/** Wasm memory: the SDK's default initial size; grows on demand. */
const MEMORY = { initial: 5 } as const;

export async function instantiate(wasm: Uint8Array, builtins: HostBuiltins): Promise<WasmPolicy> {
  clearSdkBuiltinTable();
  const policy = await loadPolicy(wasm as Uint8Array<ArrayBuffer>, { ...MEMORY }, builtins);
  return policy as unknown as WasmPolicy;
}

const encoder = new TextEncoder();

/** JSON text as the ArrayBuffer the SDK copies verbatim (so that false/0/null inputs survive). */
export function jsonBuffer(value: unknown): ArrayBuffer {
  const bytes = encoder.encode(JSON.stringify(value));
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

interface InstanceExports {
  builtins(): number;
  opa_json_dump(addr: number): number;
}

/**
 * Host builtins the module delegates (its builtins() export, an ABI function), read once at load
 * so a policy that needs a builtin we do not implement is rejected before it serves.
 */
export function requiredBuiltins(policy: WasmPolicy): string[] {
  const internals = policy as unknown as {
    wasmInstance: { exports: InstanceExports };
    mem: { buffer: ArrayBuffer };
  };
  const exports = internals.wasmInstance.exports;
  const addr = exports.opa_json_dump(exports.builtins());
  const mem = new Uint8Array(internals.mem.buffer);
  let end = addr;
  while (end < mem.length && mem[end] !== 0) end++;
  const obj = JSON.parse(new TextDecoder().decode(mem.subarray(addr, end))) as Record<string, number>;
  return Object.keys(obj).sort();
}
