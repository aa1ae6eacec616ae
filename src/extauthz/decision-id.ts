/**
 * Decision IDs: random (version 4) UUIDs, as crypto.randomUUID makes them, written as one flat
 * string. randomUUID builds its text from twenty small string pieces, which cost more per Check
 * (about twice, in process) than the bytes below; the randomness is the same: crypto's CSPRNG,
 * drawn 4 KiB at a time.
 */
import { randomFillSync } from "node:crypto";

const POOL_BYTES = 4096;
const pool = Buffer.allocUnsafeSlow(POOL_BYTES);
let next = POOL_BYTES;
const text = Buffer.allocUnsafeSlow(36);
const HEX = Buffer.from("0123456789abcdef", "latin1");

export function newDecisionId(): string {
  if (next + 16 > POOL_BYTES) {
    randomFillSync(pool);
    next = 0;
  }
  let o = 0;
  for (let i = 0; i < 16; i++) {
    let b = pool[next + i] as number;
    if (i === 6)
      b = (b & 0x0f) | 0x40; // version 4
    else if (i === 8) b = (b & 0x3f) | 0x80; // variant 10xx (RFC 9562)
    if (i === 4 || i === 6 || i === 8 || i === 10) text[o++] = 0x2d;
    text[o++] = HEX[b >> 4] as number;
    text[o++] = HEX[b & 0x0f] as number;
  }
  next += 16; // the next ID draws the next 16 bytes: none is used twice

  return text.toString("latin1", 0, 36);
}
