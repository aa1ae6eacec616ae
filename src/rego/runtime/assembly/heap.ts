// The heap: one bump pointer shared by our allocator and AssemblyScript's runtime hooks (rt.ts).
// The SDK reads and resets it (opa_heap_ptr_get/set) between evaluations; nothing is ever freed.
// The code generator places the policy's static data past the runtime's own and sets the initial
// value of the exported global `opa_rt_heap_ptr` (a plain i32.const, 0 here) past both.

export let opa_rt_heap_ptr: usize = 0;

function ensureMemory(end: usize): void {
  const have = (<usize>memory.size()) << 16;
  if (end > have) {
    const need = <i32>((end - have + 0xffff) >>> 16);
    const pages = memory.size();
    let want = need > pages ? need : pages; // at least double, amortizes growth
    if (memory.grow(want) < 0) {
      if (memory.grow(need) < 0) unreachable();
    }
  }
}

/** Allocates n bytes, 8-byte aligned. */
export function malloc(n: usize): usize {
  const ptr = (opa_rt_heap_ptr + 7) & ~(<usize>7);
  const end = ptr + n;
  ensureMemory(end);
  opa_rt_heap_ptr = end;
  return ptr;
}

/** Allocates n bytes for AssemblyScript's runtime (16-byte aligned payload after a 4-byte header). */
export function allocBlock(n: usize): usize {
  const block = ((opa_rt_heap_ptr + 4 + 15) & ~(<usize>15)) - 4;
  const ptr = block + 4;
  const size = ((n + 4 + 15) & ~(<usize>15)) - 4;
  ensureMemory(ptr + size);
  store<u32>(block, <u32>size);
  opa_rt_heap_ptr = ptr + size;
  return ptr;
}

export function heapGet(): usize {
  return opa_rt_heap_ptr;
}

export function heapSet(p: usize): void {
  opa_rt_heap_ptr = p;
}
