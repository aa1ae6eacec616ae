/**
 * The one place that touches @open-policy-agent/opa-wasm: load a module with our host builtins
 * and evaluate it. Everything else in src/policy goes through this file.
 */
import { loadPolicy } from "@open-policy-agent/opa-wasm";

export type HostBuiltin = (...args: unknown[]) => unknown;
export type HostBuiltins = Record<string, HostBuiltin>;

/** The loaded policy as the SDK exposes it (its typings use `any`; this is the part we use). */
export interface WasmPolicy {
  readonly entrypoints: Record<string, number>;
  evaluate(input: ArrayBuffer | undefined, entrypoint: number | string): unknown;
  setData(data: ArrayBuffer): void;
}

/*
 * The SDK is used unmodified. It consults its own small builtin table (sprintf, regex.split,
 * json.is_valid, yaml.*) before the host's customBuiltins; our modules implement sprintf,
 * regex.split and json.is_valid natively, so only yaml.* reaches the SDK's own implementation.
 */

/** Wasm memory: the SDK's default initial size; grows on demand. */
const MEMORY = { initial: 5 } as const;

export async function instantiate(wasm: Uint8Array, builtins: HostBuiltins): Promise<WasmPolicy> {
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
