import type { SourceFile } from "../ast/types.js";
import { parseError } from "./errors.js";

/** Largest accepted source file, in bytes or UTF-16 units; bigger files are a parse error. */
export const MAX_SOURCE_LENGTH = 64 * 1024 * 1024;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function locationOf(text: string, file: string, offset: number) {
  let row = 1;
  let lineStart = 0;
  for (let i = text.indexOf("\n"); i >= 0 && i < offset; i = text.indexOf("\n", i + 1)) {
    row++;
    lineStart = i + 1;
  }
  return { file, row, col: offset - lineStart + 1 };
}

/** Decodes a source file to text; invalid UTF-8 is a parse error at the offending byte. */
export function decodeSource(file: SourceFile): string {
  const { text } = file;
  if (text.length > MAX_SOURCE_LENGTH) {
    throw parseError(
      { file: file.path, row: 1, col: 1 },
      `source too large (more than ${MAX_SOURCE_LENGTH} bytes)`,
    );
  }
  if (typeof text === "string") {
    const lone = LONE_SURROGATE.exec(text);
    if (lone)
      throw parseError(
        locationOf(text, file.path, lone.index),
        "illegal token: invalid UTF-16 (lone surrogate)",
      );
    return text;
  }
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(text);
  } catch {
    const bad = firstInvalidUtf8(text);
    let row = 1;
    let col = 1;
    for (let i = 0; i < bad; i++) {
      if (text[i] === 0x0a) {
        row++;
        col = 1;
      } else if ((text[i]! & 0xc0) !== 0x80) {
        col++;
      }
    }
    throw parseError({ file: file.path, row, col }, "illegal token: invalid UTF-8 encoding");
  }
}

/** Offset of the first byte that is not part of a well-formed UTF-8 sequence. */
function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    let n = 0;
    let min = 0;
    if (c < 0x80) {
      i++;
      continue;
    } else if (c >= 0xc2 && c <= 0xdf) {
      n = 1;
      min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
      n = 2;
      min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
      n = 3;
      min = 0x10000;
    } else {
      return i;
    }
    let cp = c & (0x3f >> n);
    for (let k = 1; k <= n; k++) {
      const cc = b[i + k];
      if (cc === undefined || (cc & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (cc & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += n + 1;
  }
  return b.length;
}
