/**
 * The `with` context a function is planned in: data paths replaced through the data local,
 * and functions/builtins replaced at plan time (OPA replaces them when planning too).
 */
import type { Term } from "../ast/types.js";
import { constKey } from "./terms.js";

export type FnMock =
  /** Call another function instead: a builtin name or a user function "data.pkg.f". */
  | { kind: "func"; target: string }
  /** The call yields this constant term. */
  | { kind: "value"; term: Term }
  /** The call yields slot `index`: a value computed at run time and passed to every func of the context. */
  | { kind: "slot"; index: number };

export interface MockCtx {
  /** "" when nothing is mocked; otherwise a canonical description used to name funcs. */
  key: string;
  dataPaths: string[][];
  fns: Map<string, FnMock>;
  /** Number of slot values, passed to the context's funcs as extra trailing params. */
  slots: number;
}

export const EMPTY_CTX: MockCtx = { key: "", dataPaths: [], fns: new Map(), slots: 0 };

function makeCtx(dataPaths: string[][], fns: Map<string, FnMock>, slots: number): MockCtx {
  if (dataPaths.length === 0 && fns.size === 0 && slots === 0) return EMPTY_CTX;
  const d = dataPaths.map((p) => p.join("\u0000")).sort();
  const f = [...fns.entries()]
    .map(([name, m]) => {
      const what = m.kind === "func" ? m.target : m.kind === "value" ? constKey(m.term) : `slot${m.index}`;
      return `${name}=${m.kind}:${what}`;
    })
    .sort();
  return { key: JSON.stringify([d, f, slots]), dataPaths, fns, slots };
}

export function withDataPath(ctx: MockCtx, path: string[]): MockCtx {
  const key = path.join("\u0000");
  const paths = ctx.dataPaths.filter((p) => p.join("\u0000") !== key);
  paths.push(path);
  return makeCtx(paths, ctx.fns, ctx.slots);
}

export function withFnMock(ctx: MockCtx, name: string, mock: FnMock): MockCtx {
  const fns = new Map(ctx.fns);
  fns.set(name, mock);
  return makeCtx(ctx.dataPaths, fns, ctx.slots);
}

/** Replaces `name` by a value computed at run time: a new slot of the context. */
export function withFnSlot(ctx: MockCtx, name: string): MockCtx {
  const fns = new Map(ctx.fns);
  fns.set(name, { kind: "slot", index: ctx.slots });
  return makeCtx(ctx.dataPaths, fns, ctx.slots + 1);
}

/** The context a replacement function runs in: mocks of functions do not apply inside it. */
export function withoutFnMocks(ctx: MockCtx): MockCtx {
  return makeCtx(ctx.dataPaths, new Map(), 0);
}

export function isDataMocked(ctx: MockCtx, path: string[]): boolean {
  return ctx.dataPaths.some((p) => p.length === path.length && p.every((s, i) => s === path[i]));
}
