/**
 * Small builders for the IR: the policy-wide string table and function registry, and a
 * per-function builder that allocates locals and appends statements to the current block.
 */
import type { Location as AstLocation } from "../ast/types.js";
import type { Block, Func, Local, Location, Operand, Stmt } from "../ir/types.js";

export class PolicyBuilder {
  readonly strings: string[] = [];
  readonly files: string[] = [];
  private readonly stringIndex = new Map<string, number>();
  private readonly fileIndex = new Set<string>();
  readonly funcs = new Map<string, Func>();

  string(value: string): number {
    let index = this.stringIndex.get(value);
    if (index === undefined) {
      index = this.strings.length;
      this.strings.push(value);
      this.stringIndex.set(value, index);
    }
    return index;
  }

  stringOperand(value: string): Operand {
    return { kind: "string", index: this.string(value) };
  }

  loc(loc: AstLocation | undefined): Location | undefined {
    if (!loc) return undefined;
    if (!this.fileIndex.has(loc.file)) {
      this.fileIndex.add(loc.file);
      this.files.push(loc.file);
    }
    return { file: loc.file, row: loc.row, col: loc.col };
  }
}

export class FuncBuilder {
  private nextLocal: number;
  private readonly stack: Block[] = [];
  readonly root: Block = { stmts: [] };

  constructor(firstFreeLocal: number) {
    this.nextLocal = firstFreeLocal;
    this.stack.push(this.root);
  }

  local(): Local {
    return this.nextLocal++;
  }

  emit(stmt: Stmt): void {
    this.stack[this.stack.length - 1]!.stmts.push(stmt);
  }

  /** Runs `fn` with `block` as the current block. */
  inBlock(block: Block, fn: () => void): void {
    this.stack.push(block);
    try {
      fn();
    } finally {
      this.stack.pop();
    }
  }

  /** Emits a Block statement holding one block, filled by `fn`; its failure only exits itself. */
  subBlock(fn: () => void): void {
    const block: Block = { stmts: [] };
    this.inBlock(block, fn);
    this.emit({ type: "Block", blocks: [block] });
  }

  /** A statement that always fails (exits the current block). */
  fail(): void {
    this.emit({ type: "Equal", a: { kind: "bool", value: true }, b: { kind: "bool", value: false } });
  }
}

export function localOp(local: Local): Operand {
  return { kind: "local", local };
}
