/** Operand checks shared by the builtin families. Values are JSON (sets arrive as arrays). */
import { typeFail } from "./errors.js";

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type JsonObject = { [k: string]: Json };

export function str(v: unknown, operand: number): string {
  if (typeof v !== "string") typeFail(operand, "string", v);
  return v;
}

export function num(v: unknown, operand: number): number {
  if (typeof v !== "number") typeFail(operand, "number", v);
  return v;
}

export function int(v: unknown, operand: number): number {
  const n = num(v, operand);
  if (!Number.isInteger(n)) typeFail(operand, "integer", v);
  return n;
}

export function bool(v: unknown, operand: number): boolean {
  if (typeof v !== "boolean") typeFail(operand, "boolean", v);
  return v;
}

export function arr(v: unknown, operand: number, what = "array"): Json[] {
  if (!Array.isArray(v)) typeFail(operand, what, v);
  return v as Json[];
}

export function obj(v: unknown, operand: number): JsonObject {
  if (v === null || typeof v !== "object" || Array.isArray(v)) typeFail(operand, "object", v);
  return v as JsonObject;
}

export function isObject(v: unknown): v is JsonObject {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/**
 * A result given as JSON text: the SDK copies an ArrayBuffer verbatim instead of calling
 * JSON.stringify, which keeps numbers beyond 2^53 (and big decimals) exact.
 */
export function rawJson(text: string): ArrayBuffer {
  const bytes = new TextEncoder().encode(text);
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}
