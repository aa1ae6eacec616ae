/**
 * Strict percent-decoding (RFC 3986 §2.1): every "%" must start a two-hex-digit escape, and the
 * decoded bytes must be UTF-8. Returns undefined on any violation so callers can reject.
 */
const utf8 = new TextDecoder("utf-8", { fatal: true });

export function percentDecode(text: string, plusAsSpace = false): string | undefined {
  if (!text.includes("%")) return plusAsSpace ? text.replace(/\+/g, " ") : text;
  const bytes: number[] = [];
  const encoded = Buffer.from(plusAsSpace ? text.replace(/\+/g, " ") : text, "utf8");
  for (let i = 0; i < encoded.length; i++) {
    const b = encoded[i];
    if (b !== 0x25) {
      bytes.push(b);
      continue;
    }
    const hi = hex(encoded[i + 1]);
    const lo = hex(encoded[i + 2]);
    if (hi < 0 || lo < 0) return undefined;
    bytes.push(hi * 16 + lo);
    i += 2;
  }
  try {
    return utf8.decode(Uint8Array.from(bytes));
  } catch {
    return undefined;
  }
}

function hex(c: number | undefined): number {
  if (c === undefined) return -1;
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  return -1;
}
