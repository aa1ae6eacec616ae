/**
 * The shared refreshing-source machinery (src/identity/refresh) used by trust bundles, CRLs and
 * WIT keys: state semantics, the poller and the file watcher.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { poll, SourceState, watchFile } from "../../src/identity/refresh/index.js";

class E extends Error {}
const state = () => new SourceState<{ v: number }, E>(() => new E("closed"));
const tick = () => new Promise((r) => setTimeout(r, 0));

describe("SourceState", () => {
  it("ready() rejects with the first failure, and resolves after a later good value", async () => {
    const s = state();
    s.fail(new E("first"));
    await expect(s.ready()).rejects.toThrow("first");
    s.publish({ v: 1 });
    await expect(s.ready()).resolves.toEqual({ v: 1 });
  });

  it("keeps the last good value through failures and notifies every listener", async () => {
    const s = state();
    const seen: number[] = [];
    const errors: string[] = [];
    s.onChange(() => {
      throw new Error("a broken listener");
    });
    s.onChange((x) => seen.push(x.v));
    s.onError((e) => errors.push(e.message));
    s.publish({ v: 1 });
    s.fail(new E("bad update"));
    expect(s.current()).toEqual({ v: 1 });
    s.publish({ v: 2 });
    expect(seen).toEqual([1, 2]);
    expect(errors).toEqual(["bad update"]);
  });

  it("a failure after the first good value does not reject ready()", async () => {
    const s = state();
    s.publish({ v: 1 });
    s.fail(new E("later"));
    await expect(s.ready()).resolves.toEqual({ v: 1 });
  });

  it("replaceQuietly swaps without notifying, and only once a value exists", () => {
    const s = state();
    const seen: number[] = [];
    s.onChange((x) => seen.push(x.v));
    s.replaceQuietly({ v: 9 });
    expect(s.current()).toBeUndefined();
    s.publish({ v: 1 });
    s.replaceQuietly({ v: 2 });
    expect(s.current()).toEqual({ v: 2 });
    expect(seen).toEqual([1]);
  });

  it("close() runs the closers once, rejects a pending ready() and ignores later updates", async () => {
    const s = state();
    let closed = 0;
    s.addCloser(() => closed++);
    const pending = s.ready();
    s.close();
    s.close();
    expect(closed).toBe(1);
    await expect(pending).rejects.toThrow("closed");
    s.publish({ v: 1 });
    expect(s.current()).toBeUndefined();
  });
});

describe("poll", () => {
  it("never overlaps ticks, runs a refresh forced during a tick right after it, stops on close", async () => {
    const s = state();
    let running = 0;
    let maxRunning = 0;
    let calls = 0;
    let release: (() => void) | undefined;
    const refresh = poll(
      async () => {
        calls++;
        running++;
        maxRunning = Math.max(maxRunning, running);
        await new Promise<void>((r) => {
          release = r;
        });
        running--;
        return 60_000;
      },
      s,
      1,
    );
    await tick();
    expect(calls).toBe(1);
    refresh();
    refresh();
    await tick();
    expect(calls).toBe(1);
    release?.();
    await tick();
    await tick();
    expect(calls).toBe(2);
    expect(maxRunning).toBe(1);
    s.close();
    release?.();
    await tick();
    refresh();
    await tick();
    expect(calls).toBe(2);
  });

  it("a tick that throws does not stop polling", async () => {
    const s = state();
    let calls = 0;
    poll(
      async () => {
        calls++;
        throw new Error("boom");
      },
      s,
      5,
    );
    await new Promise((r) => setTimeout(r, 60));
    s.close();
    expect(calls).toBeGreaterThan(1);
  });
});

describe("watchFile", () => {
  const dir = mkdtempSync(join(tmpdir(), "refresh-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("loads now, reloads on change, serialises reloads", async () => {
    const path = join(dir, "f.txt");
    writeFileSync(path, "1");
    const s = state();
    let concurrent = 0;
    let maxConcurrent = 0;
    const loads: number[] = [];
    const reload = watchFile(
      path,
      async () => {
        concurrent++;
        maxConcurrent = Math.max(maxConcurrent, concurrent);
        await new Promise((r) => setTimeout(r, 5));
        loads.push(Date.now());
        concurrent--;
      },
      s,
      { debounceMs: 10, pollMs: 0 },
    );
    await Promise.all([reload(), reload(), reload()]);
    expect(maxConcurrent).toBe(1);
    const before = loads.length;
    writeFileSync(path, "2");
    const deadline = Date.now() + 3000;
    while (loads.length === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(loads.length).toBeGreaterThan(before);
    s.close();
  });

  it("ignores other files in the same directory, and still sees its own file change", async () => {
    const path = join(dir, "bundle.pem");
    writeFileSync(path, "1");
    const s = state();
    let loads = 0;
    const reload = watchFile(
      path,
      async () => {
        loads++;
      },
      s,
      { debounceMs: 10, pollMs: 0 },
    );
    await reload();
    const settle = () => new Promise((r) => setTimeout(r, 300));
    await settle();
    const before = loads;
    for (let i = 0; i < 5; i++) writeFileSync(join(dir, "audit.log"), `line ${i}\n`, { flag: "a" });
    await settle();
    expect(loads).toBe(before);
    writeFileSync(path, "2");
    const deadline = Date.now() + 3000;
    while (loads === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(loads).toBeGreaterThan(before);
    s.close();
  });
});
