/**
 * IR -> Wasm function bodies. Each IR Block becomes a Wasm `block`; a statement that fails
 * branches to the end of the innermost enclosing IR block; Break{index: n} branches to the end
 * of the (n+1)-th enclosing IR block; Scan is a counted loop over the runtime's iteration
 * helpers; Not and With wrap their block.
 */
import type { Block, Func, Location, Operand, Plan, Policy, Stmt } from "../ir/types.js";
import { BUILTINS } from "../builtins/catalog.js";
import { NATIVE_BUILTINS, SDK_OWNED_BUILTINS } from "./builtins.js";
import { ByteWriter, I32, Op, VOID_BLOCK } from "./encoding.js";
import { link, type RuntimeModule } from "./module.js";

const HOST_MAX_ARITY = 4;
const SDK_INITIAL_PAGES = 5;

/** Static data (strings, booleans, messages) laid out past the runtime's heap base. */
class StaticData {
  private w = new ByteWriter(1024);
  private cstrings = new Map<string, number>();
  constructor(readonly base: number) {}

  private align(n: number): void {
    while (this.w.length % n !== 0) this.w.byte(0);
  }

  get size(): number {
    return this.w.length;
  }

  u32s(values: number[]): number {
    this.align(8);
    const addr = this.base + this.w.length;
    for (const v of values)
      this.w
        .byte(v)
        .byte(v >>> 8)
        .byte(v >>> 16)
        .byte(v >>> 24);
    return addr;
  }

  /** Raw bytes; returns their address. */
  raw(b: Uint8Array): number {
    const addr = this.base + this.w.length;
    this.w.bytes(b);
    return addr;
  }

  /** A string value struct [4][len][ptr] followed by its bytes. */
  stringValue(s: string): number {
    const b = new TextEncoder().encode(s);
    this.align(8);
    const addr = this.base + this.w.length;
    this.u32s([4, b.length, addr + 12]);
    this.raw(b);
    return addr;
  }

  cstring(s: string): number {
    const seen = this.cstrings.get(s);
    if (seen !== undefined) return seen;
    const b = new TextEncoder().encode(s);
    const addr = this.raw(b);
    this.w.byte(0);
    this.cstrings.set(s, addr);
    return addr;
  }

  finish(): Uint8Array {
    this.align(8);
    return this.w.finish();
  }
}

interface Env {
  rt: RuntimeModule;
  policy: Policy;
  data: StaticData;
  strings: number[];
  trueAddr: number;
  falseAddr: number;
  resultKey: number;
  funcIndex: Map<string, number>;
  funcArity: Map<string, number>;
  hostIds: Map<string, number>;
  options: GenerateOptions;
  /** Address of a static string value (deduplicated). */
  stringValue(s: string): number;
}

function rtFunc(env: Env, name: string): number {
  const e = env.rt.exports.get(name);
  if (e?.kind !== 0) throw new Error(`wasm: runtime function ${name} missing`);
  return e.index;
}

class FunctionBuilder {
  readonly code = new ByteWriter(1024);
  private localMap = new Map<number, number>();
  private nextLocal: number;
  /** Wasm control stack: true for labels that are IR blocks. */
  private labels: boolean[] = [];
  /** Set in a memoized rule function: its id and the locals holding its input and data keys. */
  memo: { id: number; input: number; data: number } | undefined;

  constructor(
    private readonly env: Env,
    readonly params: number,
    private readonly ctxLocal: number | undefined,
  ) {
    this.nextLocal = params;
  }

  bindParam(irLocal: number, wasmIndex: number): void {
    this.localMap.set(irLocal, wasmIndex);
  }

  local(ir: number): number {
    let idx = this.localMap.get(ir);
    if (idx === undefined) {
      idx = this.nextLocal++;
      this.localMap.set(ir, idx);
    }
    return idx;
  }

  temp(): number {
    return this.nextLocal++;
  }

  op(o: number): this {
    this.code.byte(o);
    return this;
  }

  i32(v: number): this {
    this.code.byte(Op.I32Const).s32(v);
    return this;
  }

  get(l: number): this {
    this.code.byte(Op.LocalGet).u32(l);
    return this;
  }

  set(l: number): this {
    this.code.byte(Op.LocalSet).u32(l);
    return this;
  }

  tee(l: number): this {
    this.code.byte(Op.LocalTee).u32(l);
    return this;
  }

  call(name: string): this {
    this.code.byte(Op.Call).u32(rtFunc(this.env, name));
    return this;
  }

  callIndex(i: number): this {
    this.code.byte(Op.Call).u32(i);
    return this;
  }

  open(kind: Op.Block | Op.Loop, irBlock: boolean): this {
    this.code.byte(kind).byte(VOID_BLOCK);
    this.labels.push(irBlock);
    return this;
  }

  close(): this {
    this.code.byte(Op.End);
    this.labels.pop();
    return this;
  }

  /** Branch depth of the (n+1)-th innermost IR block. */
  private irDepth(n: number): number {
    let seen = -1;
    for (let i = this.labels.length - 1; i >= 0; i--) {
      if (this.labels[i]) {
        seen++;
        if (seen === n) return this.labels.length - 1 - i;
      }
    }
    throw new Error(`wasm: break index ${n} exceeds the enclosing blocks`);
  }

  /** br_if to the innermost IR block's end when the i32 on the stack is zero. */
  failIfZero(): this {
    this.code.byte(Op.I32Eqz).byte(Op.BrIf).u32(this.irDepth(0));
    return this;
  }

  failIfNonZero(): this {
    this.code.byte(Op.BrIf).u32(this.irDepth(0));
    return this;
  }

  fail(): this {
    this.code.byte(Op.Br).u32(this.irDepth(0));
    return this;
  }

  breakTo(n: number): this {
    this.code.byte(Op.Br).u32(this.irDepth(n));
    return this;
  }

  operand(o: Operand): this {
    switch (o.kind) {
      case "local":
        return this.get(this.local(o.local));
      case "bool":
        return this.i32(o.value ? this.env.trueAddr : this.env.falseAddr);
      case "string": {
        const addr = this.env.strings[o.index];
        if (addr === undefined) throw new Error(`wasm: string index ${o.index} out of range`);
        return this.i32(addr);
      }
    }
  }

  abort(loc: Location | undefined, msg: string): this {
    const text = loc ? `${loc.file}:${loc.row}:${loc.col}: ${msg}` : msg;
    this.i32(this.env.data.cstring(text)).call("opa_rt_abort");
    return this;
  }

  ctx(): this {
    if (this.ctxLocal === undefined) return this.i32(0);
    return this.get(this.ctxLocal);
  }

  hasCtx(): boolean {
    return this.ctxLocal !== undefined;
  }

  block(b: Block): void {
    this.open(Op.Block, true);
    for (const s of b.stmts) this.stmt(s);
    this.close();
  }

  stmt(s: Stmt): void {
    switch (s.type) {
      case "Block":
        for (const b of s.blocks) this.block(b);
        return;
      case "Break":
        this.breakTo(s.index);
        return;
      case "Nop":
        return;
      case "Scan": {
        const i = this.temp();
        const n = this.temp();
        const src = this.local(s.source);
        this.get(src).call("opa_rt_scan_len").tee(n).i32(0).op(Op.I32LtS).failIfNonZero();
        this.i32(0).set(i);
        this.open(Op.Block, false);
        this.open(Op.Loop, false);
        this.get(i).get(n).op(Op.I32GeS).code.byte(Op.BrIf).u32(1);
        this.get(src).get(i).call("opa_rt_scan_key").set(this.local(s.key));
        this.get(src).get(i).call("opa_rt_scan_value").set(this.local(s.value));
        this.block(s.block);
        this.get(i).i32(1).op(Op.I32Add).set(i);
        this.code.byte(Op.Br).u32(0);
        this.close();
        this.close();
        return;
      }
      case "Not":
        this.open(Op.Block, true);
        for (const st of s.block.stmts) this.stmt(st);
        // the block ran to its end: Not fails (exit the enclosing IR block, past this one)
        this.code.byte(Op.Br).u32(this.irDepth(1));
        this.close();
        return;
      case "With": {
        const target = this.local(s.local);
        const save = this.temp();
        this.get(target).set(save);
        if (s.path.length === 0) {
          this.operand(s.value).set(target);
        } else {
          const path = this.temp();
          this.i32(s.path.length).call("opa_rt_array").set(path);
          for (const p of s.path)
            this.get(path).operand({ kind: "string", index: p }).call("opa_rt_array_append");
          this.get(target).get(path).operand(s.value).call("opa_rt_upsert").set(target);
        }
        this.block(s.block);
        this.get(save).set(target);
        return;
      }
      case "Call":
        this.callStmt(s.func, s.args, this.local(s.result), s.loc);
        return;
      case "CallDynamic":
        this.callDynamic(s.path, s.args, this.local(s.result));
        return;
      case "ReturnLocal":
        this.get(this.local(s.source));
        this.memoPut();
        this.op(Op.Return);
        return;
      case "ResultSetAdd":
        if (!this.hasCtx()) throw new Error("wasm: ResultSetAdd is only valid in a plan");
        this.ctx().get(this.local(s.value)).i32(this.env.resultKey).call("opa_rt_result_add");
        return;
      case "AssignInt":
        this.int(s.value).set(this.local(s.target));
        return;
      case "AssignVar":
        this.operand(s.source).set(this.local(s.target));
        return;
      case "AssignVarOnce": {
        const t = this.local(s.target);
        this.open(Op.Block, false);
        this.open(Op.Block, false);
        this.get(t).op(Op.I32Eqz).code.byte(Op.BrIf).u32(0);
        this.get(t).operand(s.source).call("opa_rt_equal").code.byte(Op.BrIf).u32(0);
        this.abort(s.loc, "var assignment conflict");
        this.close();
        this.operand(s.source).set(t);
        this.close();
        return;
      }
      case "ResetLocal":
        this.i32(0).set(this.local(s.target));
        return;
      case "MakeNull":
        this.call("opa_rt_null").set(this.local(s.target));
        return;
      case "MakeNumberInt":
        this.int(s.value).set(this.local(s.target));
        return;
      case "MakeNumberRef":
        this.operand({ kind: "string", index: s.index }).call("opa_rt_number_ref").set(this.local(s.target));
        return;
      case "MakeArray":
        this.i32(s.capacity).call("opa_rt_array").set(this.local(s.target));
        return;
      case "MakeObject":
        this.call("opa_rt_object").set(this.local(s.target));
        return;
      case "MakeSet":
        this.call("opa_rt_set").set(this.local(s.target));
        return;
      case "ArrayAppend":
        this.get(this.local(s.array)).operand(s.value).call("opa_rt_array_append");
        return;
      case "ObjectInsert":
        this.get(this.local(s.object)).operand(s.key).operand(s.value).call("opa_rt_object_insert");
        return;
      case "ObjectInsertOnce":
        this.open(Op.Block, false);
        this.get(this.local(s.object)).operand(s.key).operand(s.value).call("opa_rt_object_insert_once");
        this.op(Op.I32Eqz).code.byte(Op.BrIf).u32(0);
        this.abort(s.loc, "object insert conflict");
        this.close();
        return;
      case "ObjectMerge":
        this.get(this.local(s.a)).get(this.local(s.b)).call("opa_rt_object_merge").set(this.local(s.target));
        return;
      case "SetAdd":
        this.get(this.local(s.set)).operand(s.value).call("opa_rt_set_add");
        return;
      case "Dot":
        this.operand(s.source).operand(s.key).call("opa_rt_dot").tee(this.local(s.target)).failIfZero();
        return;
      case "Len":
        this.operand(s.source).call("opa_rt_len").tee(this.local(s.target)).failIfZero();
        return;
      case "Equal":
        this.operand(s.a).operand(s.b).call("opa_rt_equal").failIfZero();
        return;
      case "NotEqual":
        this.operand(s.a).operand(s.b).call("opa_rt_equal").failIfNonZero();
        return;
      case "IsArray":
        this.operand(s.source).call("opa_rt_type").i32(5).op(Op.I32Eq).failIfZero();
        return;
      case "IsObject":
        this.operand(s.source).call("opa_rt_type").i32(6).op(Op.I32Eq).failIfZero();
        return;
      case "IsSet":
        this.operand(s.source).call("opa_rt_type").i32(7).op(Op.I32Eq).failIfZero();
        return;
      case "IsDefined":
        this.get(this.local(s.source)).failIfZero();
        return;
      case "IsUndefined":
        this.get(this.local(s.source)).failIfNonZero();
        return;
    }
  }

  /**
   * Calls the function whose rule path equals the evaluated path operands (e.g. g0.data.pkg.<x>),
   * testing the candidates with the same path length and arity in turn; fails if none matches.
   */
  private callDynamic(path: Operand[], args: number[], result: number): void {
    const candidates = this.env.policy.funcs.filter(
      (f) =>
        f.path.length === path.length &&
        f.params.length === args.length &&
        path.every((op, k) => op.kind !== "string" || this.env.policy.static.strings[op.index] === f.path[k]),
    );
    this.i32(0).set(result);
    this.open(Op.Block, false);
    for (const f of candidates) {
      this.open(Op.Block, false);
      path.forEach((op, k) => {
        if (op.kind === "string") return;
        this.operand(op).i32(this.env.stringValue(f.path[k]!)).call("opa_rt_equal");
        this.op(Op.I32Eqz).code.byte(Op.BrIf).u32(0);
      });
      for (const a of args) this.get(this.local(a));
      this.callIndex(this.env.funcIndex.get(f.name)!).set(result);
      this.code.byte(Op.Br).u32(1);
      this.close();
    }
    this.close();
    this.get(result).failIfZero();
  }

  private int(v: bigint): this {
    this.code.byte(Op.I64Const).s64(v);
    return this.call("opa_rt_int");
  }

  private callStmt(name: string, args: Operand[], result: number, loc: Location | undefined): void {
    const fi = this.env.funcIndex.get(name);
    if (fi !== undefined) {
      const arity = this.env.funcArity.get(name)!;
      if (arity !== args.length)
        throw new Error(`wasm: ${name} called with ${args.length} args, takes ${arity}`);
      for (const a of args) this.operand(a);
      this.callIndex(fi).tee(result).failIfZero();
      return;
    }
    const native = NATIVE_BUILTINS.get(name);
    if (native !== undefined) {
      if (!this.env.options.strictBuiltinErrors) {
        for (const a of args) this.operand(a);
        this.call(native).tee(result).failIfZero();
        return;
      }
      this.call("opa_rt_clear_error");
      for (const a of args) this.operand(a);
      this.call(native).tee(result).op(Op.I32Eqz).op(Op.If).op(VOID_BLOCK);
      const where = loc ? `${loc.file}:${loc.row}:${loc.col}: ` : "";
      this.i32(this.env.data.cstring(where)).call("opa_rt_builtin_abort").op(Op.End);
      this.get(result).failIfZero();
      return;
    }
    if (args.length > HOST_MAX_ARITY) {
      throw new Error(
        `wasm: host builtin ${name} takes ${args.length} arguments (at most ${HOST_MAX_ARITY})`,
      );
    }
    let id = this.env.hostIds.get(name);
    if (id === undefined) {
      id = this.env.hostIds.size;
      this.env.hostIds.set(name, id);
    }
    this.i32(id).i32(0);
    for (const a of args) this.operand(a);
    // OPA's own builtins implemented by our host registry decode the wire form; a custom builtin
    // (a name outside OPA's catalog) is a plain function and gets plain JSON.
    const encoded = args.length > 0 && BUILTINS.has(name) && !SDK_OWNED_BUILTINS.has(name);
    this.call(`opa_rt_host${encoded ? "v" : ""}${args.length}`)
      .tee(result)
      .failIfZero();
  }

  /** In a memoized function: stores the value on the stack (left there) for its keys. */
  memoPut(): void {
    if (!this.memo) return;
    const v = this.temp();
    this.set(v).i32(this.memo.id).get(this.memo.input).get(this.memo.data).get(v).call("opa_rt_memo_put");
  }

  /** Locals declaration + code + end. */
  finish(): Uint8Array {
    const extra = this.nextLocal - this.params;
    const w = new ByteWriter(this.code.length + 16);
    if (extra > 0) w.u32(1).u32(extra).byte(I32);
    else w.u32(0);
    w.bytes(this.code.finish());
    w.byte(Op.End);
    return w.finish();
  }
}

function typeKey(params: number, resultI32: boolean): string {
  return `${Array(params).fill("i32").join(",")}:${resultI32 ? "i32" : ""}`;
}

export interface GenerateOptions {
  /**
   * Native builtin errors (type errors, division by zero, ...) abort evaluation with their reason,
   * as OPA's strict-builtin-errors mode does, instead of making the call undefined.
   */
  strictBuiltinErrors?: boolean;
}

export function generate(rt: RuntimeModule, policy: Policy, options: GenerateOptions = {}): Uint8Array {
  const data = new StaticData((rt.heapBase + 15) & ~15);
  const trueAddr = data.u32s([2, 1]);
  const falseAddr = data.u32s([2, 0]);
  const strings = policy.static.strings.map((s) => data.stringValue(s));
  const resultKey = data.stringValue("result");
  const extraStrings = new Map<string, number>();

  const firstNew = rt.funcImports + rt.funcs;
  const funcIndex = new Map<string, number>();
  const funcArity = new Map<string, number>();
  let next = firstNew + policy.plans.length;
  for (const f of policy.funcs) {
    if (funcIndex.has(f.name)) throw new Error(`wasm: duplicate function ${f.name}`);
    funcIndex.set(f.name, next++);
    funcArity.set(f.name, f.params.length);
  }
  const evalIndex = next++;
  const opaEvalIndex = next++;
  const entrypointsIndex = next++;
  const builtinsIndex = next++;

  const env: Env = {
    rt,
    policy,
    data,
    strings,
    trueAddr,
    falseAddr,
    resultKey,
    funcIndex,
    funcArity,
    hostIds: new Map(),
    options,
    stringValue: (s: string) => {
      let addr = extraStrings.get(s);
      if (addr === undefined) {
        addr = data.stringValue(s);
        extraStrings.set(s, addr);
      }
      return addr;
    },
  };

  const types = [...rt.types];
  const newTypes: Uint8Array[] = [];
  const typeIndex = (params: number, resultI32: boolean): number => {
    const key = typeKey(params, resultI32);
    let i = types.indexOf(key);
    if (i < 0) {
      i = types.length;
      types.push(key);
      const w = new ByteWriter().byte(0x60).u32(params);
      for (let p = 0; p < params; p++) w.byte(I32);
      if (resultI32) w.u32(1).byte(I32);
      else w.u32(0);
      newTypes.push(w.finish());
    }
    return i;
  };

  const funcTypes: number[] = [];
  const bodies: Uint8Array[] = [];

  for (const plan of policy.plans) {
    funcTypes.push(typeIndex(1, true));
    bodies.push(planBody(env, plan));
  }
  policy.funcs.forEach((f, id) => {
    funcTypes.push(typeIndex(f.params.length, true));
    bodies.push(funcBody(env, f, id));
  });

  // eval(ctx): dispatch on the entrypoint id
  {
    const b = new FunctionBuilder(env, 1, 0);
    const ep = b.temp();
    b.call("opa_rt_memo_reset");
    b.get(0).call("opa_rt_ctx_entrypoint").set(ep);
    policy.plans.forEach((_, i) => {
      b.get(ep).i32(i).op(Op.I32Eq).op(Op.If).op(VOID_BLOCK);
      b.get(0)
        .callIndex(firstNew + i)
        .op(Op.Drop)
        .op(Op.End);
    });
    b.i32(0);
    funcTypes.push(typeIndex(1, true));
    bodies.push(b.finish());
  }
  // opa_eval(reserved, entrypoint, data, input, input_len, heap_ptr, format)
  {
    const b = new FunctionBuilder(env, 7, undefined);
    const ctx = b.temp();
    b.get(1).get(2).get(3).get(4).get(5).call("opa_rt_eval_begin").set(ctx);
    b.get(ctx).callIndex(evalIndex).op(Op.Drop);
    b.get(ctx).get(6).call("opa_rt_eval_end");
    funcTypes.push(typeIndex(7, true));
    bodies.push(b.finish());
  }
  // entrypoints() and builtins(): objects parsed from static JSON text
  const jsonFunction = (obj: Record<string, number>): Uint8Array => {
    const text = new TextEncoder().encode(JSON.stringify(obj));
    const addr = data.raw(text);
    const b = new FunctionBuilder(env, 0, undefined);
    b.i32(addr).i32(text.length).call("opa_json_parse");
    return b.finish();
  };
  const entrypoints: Record<string, number> = {};
  policy.plans.forEach((p, i) => {
    entrypoints[p.name] = i;
  });
  funcTypes.push(typeIndex(0, true));
  bodies.push(jsonFunction(entrypoints));
  funcTypes.push(typeIndex(0, true));
  bodies.push(jsonFunction(Object.fromEntries(env.hostIds)));

  const bytes = data.finish();
  const heapStart = (data.base + bytes.length + 15) & ~15;
  // The SDK instantiates with 5 pages of memory; larger static data is copied in at start.
  let passive: { startFunc: number } | undefined;
  if (heapStart > SDK_INITIAL_PAGES * 65536) {
    const b = new FunctionBuilder(env, 0, undefined);
    const delta = b.temp();
    b.i32(Math.ceil(heapStart / 65536))
      .op(Op.MemorySize)
      .op(0)
      .op(Op.I32Sub)
      .tee(delta);
    b.i32(0).op(Op.I32GtS).op(Op.If).op(VOID_BLOCK);
    b.get(delta).op(Op.MemoryGrow).op(0).op(Op.Drop).op(Op.End);
    const seg = rt.dataSegments;
    b.i32(data.base).i32(0).i32(bytes.length);
    b.op(0xfc).code.u32(8).u32(seg).byte(0); // memory.init seg, memory 0
    b.op(0xfc).code.u32(9).u32(seg); // data.drop seg
    if (rt.startFunc !== undefined) b.callIndex(rt.startFunc);
    funcTypes.push(typeIndex(0, false));
    bodies.push(b.finish());
    passive = { startFunc: builtinsIndex + 1 };
  }
  return link(rt, {
    passive,
    funcTypes,
    bodies,
    newTypes,
    exports: [
      { name: "eval", func: evalIndex },
      { name: "opa_eval", func: opaEvalIndex },
      { name: "entrypoints", func: entrypointsIndex },
      { name: "builtins", func: builtinsIndex },
    ],
    data: bytes,
    dataBase: data.base,
    heapStart,
  });
}

function planBody(env: Env, plan: Plan): Uint8Array {
  const b = new FunctionBuilder(env, 1, 0);
  b.get(0).call("opa_rt_ctx_input").set(b.local(0));
  b.get(0).call("opa_rt_ctx_data").set(b.local(1));
  for (const blk of plan.blocks) b.block(blk);
  b.i32(0);
  return b.finish();
}

/**
 * A rule's function (its only params are input and data) is memoized for the evaluation: a
 * stored value is returned at entry, and every defined result is stored on return. Functions
 * with arguments, or with the slot params of a `with` mock context, are not.
 */
function funcBody(env: Env, f: Func, id: number): Uint8Array {
  const b = new FunctionBuilder(env, f.params.length, undefined);
  f.params.forEach((p, i) => {
    b.bindParam(p, i);
  });
  if (f.params.length === 2) {
    const memo = { id, input: b.temp(), data: b.temp() };
    const hit = b.temp();
    b.get(0).set(memo.input).get(1).set(memo.data);
    b.i32(id).get(memo.input).get(memo.data).call("opa_rt_memo_get").tee(hit);
    b.op(Op.If).op(VOID_BLOCK).get(hit).op(Op.Return).op(Op.End);
    b.memo = memo;
  }
  for (const blk of f.blocks) b.block(blk);
  b.get(b.local(f.ret));
  b.memoPut();
  return b.finish();
}
