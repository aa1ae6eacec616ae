/**
 * The prebuilt runtime module (src/rego/runtime/build/runtime.wasm) and the linker that appends
 * a policy's functions, exports and static data to it.
 *
 * The runtime keeps its function indices: imports first, then its own functions, then the
 * appended ones, so no runtime code is rewritten. Only the type, import (memory minimum),
 * function, global (initial heap pointer), export, code, data and data-count sections change;
 * custom sections (names) are dropped.
 */
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { ByteReader, ByteWriter } from "./encoding.js";

interface Section {
  id: number;
  start: number; // payload start
  end: number; // payload end
}

export interface RuntimeExport {
  kind: number; // 0 func, 1 table, 2 memory, 3 global
  index: number;
}

export interface RuntimeModule {
  bytes: Uint8Array;
  sections: Section[];
  /** Signature keys ("i32,i32:i32") of the type section, by index. */
  types: string[];
  funcImports: number;
  funcs: number;
  exports: Map<string, RuntimeExport>;
  /** Where policy static data may start (the runtime's __heap_base). */
  heapBase: number;
  heapPtrGlobal: number;
  /** The runtime's start function (top-level initialisation), if any. */
  startFunc: number | undefined;
  /** Number of the runtime's data segments. */
  dataSegments: number;
}

const SEC_TYPE = 1;
const SEC_IMPORT = 2;
const SEC_FUNCTION = 3;
const SEC_GLOBAL = 6;
const SEC_EXPORT = 7;
const SEC_START = 8;
const SEC_CODE = 10;
const SEC_DATA = 11;
const SEC_DATACOUNT = 12;

let cached: RuntimeModule | undefined;

function runtimePath(): string {
  const candidates = [
    new URL("../runtime/build/runtime.wasm", import.meta.url),
    new URL("../../../src/rego/runtime/build/runtime.wasm", import.meta.url),
  ];
  for (const c of candidates) {
    const p = fileURLToPath(c);
    if (existsSync(p)) return p;
  }
  throw new Error("wasm: runtime.wasm not found (run `npm run build:runtime`)");
}

/** The runtime module, read and indexed once. */
export function runtimeModule(): RuntimeModule {
  if (!cached) cached = parseRuntime(new Uint8Array(readFileSync(runtimePath())));
  return cached;
}

function readValType(r: ByteReader): string {
  const t = r.byte();
  switch (t) {
    case 0x7f:
      return "i32";
    case 0x7e:
      return "i64";
    case 0x7d:
      return "f32";
    case 0x7c:
      return "f64";
    default:
      return `t${t}`;
  }
}

export function parseRuntime(bytes: Uint8Array): RuntimeModule {
  const r = new ByteReader(bytes, 8);
  const sections: Section[] = [];
  while (r.pos < bytes.length) {
    const id = r.byte();
    const size = r.u32();
    sections.push({ id, start: r.pos, end: r.pos + size });
    r.pos += size;
  }
  const section = (id: number) => sections.find((s) => s.id === id);
  const types: string[] = [];
  const ts = section(SEC_TYPE);
  if (ts) {
    const tr = new ByteReader(bytes, ts.start);
    const n = tr.u32();
    for (let i = 0; i < n; i++) {
      if (tr.byte() !== 0x60) throw new Error("wasm: unsupported type form in runtime");
      const np = tr.u32();
      const params: string[] = [];
      for (let j = 0; j < np; j++) params.push(readValType(tr));
      const nr = tr.u32();
      const results: string[] = [];
      for (let j = 0; j < nr; j++) results.push(readValType(tr));
      types.push(`${params.join(",")}:${results.join(",")}`);
    }
  }
  let funcImports = 0;
  const is = section(SEC_IMPORT);
  if (is) {
    const ir = new ByteReader(bytes, is.start);
    const n = ir.u32();
    for (let i = 0; i < n; i++) {
      ir.name();
      ir.name();
      const kind = ir.byte();
      if (kind === 0) {
        ir.u32();
        funcImports++;
      } else if (kind === 2) {
        const flags = ir.byte();
        ir.u32();
        if (flags & 1) ir.u32();
      } else if (kind === 1) {
        ir.byte();
        const flags = ir.byte();
        ir.u32();
        if (flags & 1) ir.u32();
      } else if (kind === 3) {
        ir.byte();
        ir.byte();
      }
    }
  }
  const fs = section(SEC_FUNCTION);
  const funcs = fs ? new ByteReader(bytes, fs.start).u32() : 0;
  const exports = new Map<string, RuntimeExport>();
  const es = section(SEC_EXPORT);
  if (es) {
    const er = new ByteReader(bytes, es.start);
    const n = er.u32();
    for (let i = 0; i < n; i++) {
      const name = er.name();
      const kind = er.byte();
      const index = er.u32();
      exports.set(name, { kind, index });
    }
  }
  const hb = exports.get("opa_rt_heap_base");
  const hp = exports.get("opa_rt_heap_ptr");
  if (!hb || !hp) throw new Error("wasm: runtime lacks opa_rt_heap_base / opa_rt_heap_ptr");
  const heapBase = constFunctionValue(bytes, section(SEC_CODE)!, hb.index - funcImports);
  const ss = section(SEC_START);
  const startFunc = ss ? new ByteReader(bytes, ss.start).u32() : undefined;
  const ds = section(SEC_DATA);
  const dataSegments = ds ? new ByteReader(bytes, ds.start).u32() : 0;
  return {
    bytes,
    sections,
    types,
    funcImports,
    funcs,
    exports,
    heapBase,
    heapPtrGlobal: hp.index,
    startFunc,
    dataSegments,
  };
}

/** The value of a function whose body is just `i32.const N`. */
function constFunctionValue(bytes: Uint8Array, code: Section, defIndex: number): number {
  const r = new ByteReader(bytes, code.start);
  const n = r.u32();
  for (let i = 0; i < n; i++) {
    const size = r.u32();
    const end = r.pos + size;
    if (i === defIndex) {
      const nl = r.u32();
      for (let j = 0; j < nl; j++) {
        r.u32();
        r.byte();
      }
      if (r.byte() !== 0x41) break;
      return r.s32();
    }
    r.pos = end;
  }
  throw new Error("wasm: cannot read the runtime's heap base");
}

export interface LinkInput {
  /** New function types, as [params, results] of i32/i64 (0x7f/0x7e); appended as needed. */
  funcTypes: number[];
  /** Bodies (locals + code + end) of appended functions, in index order. */
  bodies: Uint8Array[];
  exports: { name: string; func: number }[];
  /** Static data placed at `dataBase`. */
  data: Uint8Array;
  dataBase: number;
  /** Initial heap pointer (past the static data). */
  heapStart: number;
  /**
   * Static data too large for the SDK's initial memory: a passive segment that `startFunc`
   * copies in (after growing memory) replaces the active one, and becomes the start function.
   */
  passive?: { startFunc: number };
  newTypes: Uint8Array[];
}

/** Assembles the final module. */
export function link(rt: RuntimeModule, input: LinkInput): Uint8Array {
  const { bytes } = rt;
  const out = new ByteWriter(bytes.length + 65536);
  out.bytes(bytes.subarray(0, 8));
  const emit = (id: number, payload: Uint8Array) => {
    out.byte(id);
    out.vec(payload);
  };
  const appendVec = (s: Section | undefined, extra: Uint8Array[]): Uint8Array => {
    const w = new ByteWriter();
    if (!s) {
      w.u32(extra.length);
    } else {
      const r = new ByteReader(bytes, s.start);
      const n = r.u32();
      w.u32(n + extra.length);
      w.bytes(bytes.subarray(r.pos, s.end));
    }
    for (const e of extra) w.bytes(e);
    return w.finish();
  };
  const pagesNeeded = input.passive ? 0 : Math.ceil(input.heapStart / 65536);
  const funcEntries = input.funcTypes.map((t) => new ByteWriter().u32(t).finish());
  const exportEntries = input.exports.map((e) => new ByteWriter().name(e.name).byte(0).u32(e.func).finish());
  const codeEntries = input.bodies.map((b) => new ByteWriter().vec(b).finish());
  const dataEntry = input.passive
    ? new ByteWriter().byte(1).vec(input.data).finish()
    : new ByteWriter().byte(0).byte(0x41).s32(input.dataBase).byte(0x0b).vec(input.data).finish();

  const order = [
    SEC_TYPE,
    SEC_IMPORT,
    SEC_FUNCTION,
    4,
    5,
    SEC_GLOBAL,
    SEC_EXPORT,
    8,
    9,
    SEC_DATACOUNT,
    SEC_CODE,
    SEC_DATA,
  ];
  for (const id of order) {
    const s = rt.sections.find((x) => x.id === id);
    switch (id) {
      case SEC_TYPE:
        emit(id, appendVec(s, input.newTypes));
        break;
      case SEC_IMPORT:
        if (s) emit(id, rewriteImports(bytes, s, pagesNeeded));
        break;
      case SEC_FUNCTION:
        emit(id, appendVec(s, funcEntries));
        break;
      case SEC_GLOBAL:
        if (s) emit(id, rewriteGlobals(bytes, s, rt.heapPtrGlobal, input.heapStart));
        break;
      case SEC_EXPORT:
        emit(id, appendVec(s, exportEntries));
        break;
      case SEC_CODE:
        emit(id, appendVec(s, codeEntries));
        break;
      case SEC_DATA:
        emit(id, appendVec(s, [dataEntry]));
        break;
      case SEC_START:
        if (input.passive) emit(id, new ByteWriter().u32(input.passive.startFunc).finish());
        else if (s) emit(id, bytes.subarray(s.start, s.end));
        break;
      case SEC_DATACOUNT:
        // required by memory.init / data.drop; kept consistent whenever present
        if (s || input.passive) emit(id, new ByteWriter().u32(rt.dataSegments + 1).finish());
        break;
      default:
        if (s) emit(id, bytes.subarray(s.start, s.end));
    }
  }
  return out.finish();
}

function rewriteImports(bytes: Uint8Array, s: Section, pagesNeeded: number): Uint8Array {
  const r = new ByteReader(bytes, s.start);
  const w = new ByteWriter();
  const n = r.u32();
  w.u32(n);
  for (let i = 0; i < n; i++) {
    const start = r.pos;
    r.name();
    r.name();
    const kind = r.byte();
    if (kind === 2) {
      w.bytes(bytes.subarray(start, r.pos));
      const flags = r.byte();
      const min = r.u32();
      const max = flags & 1 ? r.u32() : undefined;
      if (pagesNeeded > 5)
        throw new Error("wasm: policy static data exceeds the SDK's initial memory (5 pages)");
      w.byte(flags).u32(Math.max(min, pagesNeeded));
      if (max !== undefined) w.u32(max);
      continue;
    }
    if (kind === 0) r.u32();
    else if (kind === 1) {
      r.byte();
      const flags = r.byte();
      r.u32();
      if (flags & 1) r.u32();
    } else if (kind === 3) {
      r.byte();
      r.byte();
    }
    w.bytes(bytes.subarray(start, r.pos));
  }
  return w.finish();
}

function rewriteGlobals(bytes: Uint8Array, s: Section, target: number, value: number): Uint8Array {
  const r = new ByteReader(bytes, s.start);
  const w = new ByteWriter();
  const n = r.u32();
  w.u32(n);
  for (let i = 0; i < n; i++) {
    const start = r.pos;
    r.byte(); // valtype
    r.byte(); // mutability
    const initStart = r.pos;
    // constant expressions: skip to `end` (0x0b), decoding immediates of the const opcodes
    for (;;) {
      const op = r.byte();
      if (op === 0x0b) break;
      if (op === 0x41 || op === 0x23) r.s32();
      else if (op === 0x42) while (r.byte() & 0x80);
      else if (op === 0x44) r.pos += 8;
      else if (op === 0x43) r.pos += 4;
      else throw new Error(`wasm: unsupported global initializer opcode ${op}`);
    }
    if (i === target) {
      w.bytes(bytes.subarray(start, initStart));
      w.byte(0x41).s32(value).byte(0x0b);
    } else {
      w.bytes(bytes.subarray(start, r.pos));
    }
  }
  return w.finish();
}
