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

/** The SDK's LoadedPolicy fields (public in its typings) that the direct evaluation reads. */
interface LoadedPolicyFields {
  readonly minorVersion: number | undefined;
  readonly mem: { readonly buffer: ArrayBuffer; grow(pages: number): number };
  readonly wasmInstance: { exports: Record<string, unknown> };
  /** Address of the parsed data document (changes with setData). */
  readonly dataAddr: number;
  /** First free heap address after the data document: where each evaluation's input goes. */
  readonly dataHeapPtr: number;
}

type OpaEval = (
  reserved: number,
  entrypoint: number,
  data: number,
  input: number,
  inputLen: number,
  heap: number,
  format: number,
) => number;

/** Evaluates JSON text as input; returns the parsed result set. */
export type TextEvaluator = (inputJson: string, entrypoint: number) => unknown;

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
const WASM_PAGE = 64 * 1024;

/** Evaluates JSON text as input; returns the result set as JSON text. */
export type ResultTextEvaluator = (inputJson: string, entrypoint: number) => string;

/**
 * Evaluation through the ABI's one-call opa_eval (ABI 1.2), as the SDK's own evaluate does, minus
 * its per-call copies: the input JSON text is UTF-8-encoded straight into the module's memory at
 * the heap base (no intermediate buffer), and the result is located with a native NUL search and
 * decoded straight from a Buffer over the module's memory. The heap is reset by every call
 * (opa_eval's heap argument), as in the SDK. The result set comes back as JSON text (the engine
 * parses each distinct text once). Undefined for modules older than ABI 1.2 (callers then use the
 * SDK's evaluate).
 */
export function resultTextEvaluator(policy: WasmPolicy): ResultTextEvaluator | undefined {
  const p = policy as unknown as LoadedPolicyFields;
  const opaEval = p.wasmInstance?.exports?.opa_eval;
  if (typeof opaEval !== "function" || !((p.minorVersion ?? 0) >= 2)) return undefined;
  const run = opaEval as OpaEval;
  const mem = p.mem;
  // A Buffer over the module's memory, for its native NUL search and UTF-8 decoding; replaced when
  // the memory grows (growing detaches the old ArrayBuffer).
  let view = Buffer.from(mem.buffer);
  return (inputJson, entrypoint) => {
    const inputAddr = p.dataHeapPtr;
    // UTF-8 needs at most 3 bytes per UTF-16 unit; count exactly only when that bound does not fit.
    let room = mem.buffer.byteLength - inputAddr;
    if (inputJson.length * 3 > room) {
      const need = Buffer.byteLength(inputJson, "utf8");
      if (need > room) {
        mem.grow(Math.ceil((need - room) / WASM_PAGE));
        room = mem.buffer.byteLength - inputAddr;
      }
    }
    const { read, written } = encoder.encodeInto(inputJson, new Uint8Array(mem.buffer, inputAddr, room));
    if (read !== inputJson.length) throw new Error("policy input does not fit in the module's memory");
    const resultAddr = run(0, entrypoint, p.dataAddr, inputAddr, written, inputAddr + written, 0);
    if (view.buffer !== mem.buffer) view = Buffer.from(mem.buffer);
    const end = view.indexOf(0, resultAddr);
    if (end < 0) throw new Error("policy result is not NUL-terminated");
    return view.toString("utf8", resultAddr, end);
  };
}

/** resultTextEvaluator with the result set parsed. */
export function textEvaluator(policy: WasmPolicy): TextEvaluator | undefined {
  const raw = resultTextEvaluator(policy);
  return raw && ((inputJson, entrypoint) => JSON.parse(raw(inputJson, entrypoint)));
}

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
