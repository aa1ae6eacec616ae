/**
 * The planner's output and the Wasm code generator's input: a small imperative IR.
 *
 * Contract between src/rego/plan (Rego AST -> IR) and src/rego/wasm (IR -> Wasm module).
 * The shape follows the public description of OPA's planner IR (blocks, breaks, scans),
 * because that IR maps directly onto Wasm structured control flow.
 *
 * Execution model
 * - Every local holds a value address (i32) or 0, which means "undefined".
 * - A Block is a list of statements run in order. A statement that "fails" (a comparison that
 *   does not hold, a lookup that finds nothing, a call whose result is undefined, an
 *   IsDefined on an undefined local, ...) exits the innermost enclosing Block at once; execution
 *   continues with the statement after that Block.
 * - BreakStmt{index: 0} exits the innermost enclosing Block, index n exits n+1 Blocks.
 *   (ScanStmt and NotStmt bodies and BlockStmt members are Blocks.)
 * - Plans are entrypoints. Locals 0 and 1 of a plan are input and data. A plan adds values to
 *   the result set with ResultSetAddStmt (OPA wraps each as {"result": v}).
 * - Funcs are called with CallStmt. By convention params[0] is input and params[1] is data.
 *   A func returns the value in its `ret` local (0 = undefined).
 * - A CallStmt whose `func` is not the name of a Func in `funcs` calls the Rego builtin of that
 *   name (e.g. "plus", "count", "sprintf"); the code generator decides whether the runtime
 *   implements it natively or delegates it to the host through opa_builtinN.
 *   A builtin call that yields undefined (or a builtin error, in non-strict mode) fails.
 * - Runtime errors (e.g. conflicting values for a complete rule: AssignVarOnceStmt with a
 *   different value, ObjectInsertOnceStmt with a different value) abort evaluation with a
 *   message that includes the location when given.
 */

export type Local = number;

export type Operand =
  | { kind: "local"; local: Local }
  | { kind: "bool"; value: boolean }
  | { kind: "string"; index: number }; // index into Static.strings

export interface Location {
  file: string;
  row: number;
  col: number;
}

export interface Static {
  /** String constants, referenced by Operand kind "string" and MakeNumberRefStmt. */
  strings: string[];
  /** Source file names, for runtime error messages. */
  files: string[];
}

export interface Policy {
  static: Static;
  plans: Plan[];
  funcs: Func[];
}

export interface Plan {
  /** Entrypoint path with "/" separators, e.g. "envoy/authz/allow". */
  name: string;
  blocks: Block[];
}

export interface Func {
  /** Unique name, e.g. "g0.data.envoy.authz.allow". */
  name: string;
  /** Rule path for diagnostics, e.g. ["g0","envoy","authz","allow"]. */
  path: string[];
  params: Local[];
  ret: Local;
  blocks: Block[];
}

export interface Block {
  stmts: Stmt[];
}

export type Stmt =
  // --- control flow
  | { type: "Block"; blocks: Block[]; loc?: Location } // run each block in turn; a failing block only exits itself
  | { type: "Break"; index: number; loc?: Location }
  | { type: "Scan"; source: Local; key: Local; value: Local; block: Block; loc?: Location } // for each key/value of array/object/set (set: key === value); fails if source is not a collection
  | { type: "Not"; block: Block; loc?: Location } // succeeds iff the block fails (does not run to its end)
  | { type: "With"; local: Local; path: number[]; value: Operand; block: Block; loc?: Location } // run block with local := upsert(local, path of string indexes, value); restores after
  | { type: "Nop"; loc?: Location }
  // --- calls and results
  | { type: "Call"; func: string; args: Operand[]; result: Local; loc?: Location }
  | { type: "CallDynamic"; path: Operand[]; args: Local[]; result: Local; loc?: Location }
  | { type: "ReturnLocal"; source: Local; loc?: Location }
  | { type: "ResultSetAdd"; value: Local; loc?: Location }
  // --- assignment
  | { type: "AssignInt"; value: bigint; target: Local; loc?: Location }
  | { type: "AssignVar"; source: Operand; target: Local; loc?: Location }
  | { type: "AssignVarOnce"; source: Operand; target: Local; loc?: Location } // runtime error if target is defined with a different value
  | { type: "ResetLocal"; target: Local; loc?: Location } // target := undefined
  // --- construction
  | { type: "MakeNull"; target: Local; loc?: Location }
  | { type: "MakeNumberInt"; value: bigint; target: Local; loc?: Location } // fits in i64
  | { type: "MakeNumberRef"; index: number; target: Local; loc?: Location } // number from its JSON text in strings[index]
  | { type: "MakeArray"; capacity: number; target: Local; loc?: Location }
  | { type: "MakeObject"; target: Local; loc?: Location }
  | { type: "MakeSet"; target: Local; loc?: Location }
  | { type: "ArrayAppend"; value: Operand; array: Local; loc?: Location }
  | { type: "ObjectInsert"; key: Operand; value: Operand; object: Local; loc?: Location }
  | { type: "ObjectInsertOnce"; key: Operand; value: Operand; object: Local; loc?: Location } // runtime error on a different existing value
  | { type: "ObjectMerge"; a: Local; b: Local; target: Local; loc?: Location } // deep merge, a wins on conflicts
  | { type: "SetAdd"; value: Operand; set: Local; loc?: Location }
  // --- tests (fail when they do not hold)
  | { type: "Dot"; source: Operand; key: Operand; target: Local; loc?: Location } // target := source[key]; fails if undefined
  | { type: "Len"; source: Operand; target: Local; loc?: Location }
  | { type: "Equal"; a: Operand; b: Operand; loc?: Location }
  | { type: "NotEqual"; a: Operand; b: Operand; loc?: Location }
  | { type: "IsArray"; source: Operand; loc?: Location }
  | { type: "IsObject"; source: Operand; loc?: Location }
  | { type: "IsSet"; source: Operand; loc?: Location }
  | { type: "IsDefined"; source: Local; loc?: Location }
  | { type: "IsUndefined"; source: Local; loc?: Location };

export type StmtType = Stmt["type"];
