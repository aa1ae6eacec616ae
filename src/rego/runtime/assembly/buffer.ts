// A growable byte buffer on the bump heap (for JSON dumps and string building).
import { malloc } from "./heap";

// @ts-ignore: decorator
@unmanaged
export class Buf {
  ptr: usize = 0;
  len: u32 = 0;
  cap: u32 = 0;

  constructor(cap: u32 = 64) {
    this.ptr = malloc(<usize>cap);
    this.cap = cap;
  }

  reserve(n: u32): void {
    if (this.len + n <= this.cap) return;
    let c = this.cap * 2;
    while (c < this.len + n) c *= 2;
    const p = malloc(<usize>c);
    memory.copy(p, this.ptr, <usize>this.len);
    this.ptr = p;
    this.cap = c;
  }

  byte(b: u32): void {
    this.reserve(1);
    store<u8>(this.ptr + <usize>this.len, <u8>b);
    this.len++;
  }

  bytes(p: usize, n: u32): void {
    this.reserve(n);
    memory.copy(this.ptr + <usize>this.len, p, <usize>n);
    this.len += n;
  }

  ascii(s: string): void {
    const n = s.length;
    this.reserve(<u32>n);
    for (let i = 0; i < n; i++) store<u8>(this.ptr + <usize>this.len + <usize>i, <u8>s.charCodeAt(i));
    this.len += <u32>n;
  }

  /** Appends an AssemblyScript string as UTF-8. */
  utf8(s: string): void {
    const b = String.UTF8.encode(s, false);
    this.bytes(changetype<usize>(b), <u32>b.byteLength);
  }
}
