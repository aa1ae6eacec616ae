import type { Location, RegoError } from "../ast/types.js";
import { RegoCompileError } from "../errors.js";

/** Most errors reported at once (OPA stops at 10 by default; we keep a few more). */
const MAX_ERRORS = 50;

/** Collects compile errors across a stage, then throws them together. */
export class Diagnostics {
  readonly errors: RegoError[] = [];
  private readonly seen = new Set<string>();

  add(code: RegoError["code"], message: string, location: Location): void {
    const key = `${location.file}:${location.row}:${location.col}:${code}:${message}`;
    if (this.seen.has(key) || this.errors.length >= MAX_ERRORS) return;
    this.seen.add(key);
    this.errors.push({ code, message, location });
  }

  /** Throws a RegoCompileError holding every error so far, sorted by location, if there is any. */
  throwIfAny(): void {
    if (this.errors.length === 0) return;
    const sorted = [...this.errors].sort(
      (a, b) =>
        a.location.file.localeCompare(b.location.file) ||
        a.location.row - b.location.row ||
        a.location.col - b.location.col,
    );
    throw new RegoCompileError(sorted);
  }
}
