/**
 * Writes audit lines without ever blocking a Check on I/O: lines are appended to an in-memory
 * buffer and handed to the stream in batches, at most flushIntervalMs (10 ms) after the first
 * line of a batch, or at once when a batch reaches BATCH_BYTES. Handing each line over on its own
 * cost a stream write per Check at moderate rates (at 1000 Checks/s the audit writes were ~12% of
 * the Check handler's time in the server's profile). When the stream is slower
 * than traffic for long enough that the buffer exceeds its cap, further lines are dropped and
 * counted (and reported once on stderr) rather than stalling authorization.
 */
import { createWriteStream } from "node:fs";
import type { Writable } from "node:stream";
import { isMainThread } from "node:worker_threads";
import { type AuditRecord, formatRecord } from "./record.js";

export interface AuditSink {
  write(record: AuditRecord): void;
  /** Resolves once every line written so far has been handed to the OS. */
  flush(): Promise<void>;
  /** Flushes and closes a file (stdout/stderr stay open). */
  close(): Promise<void>;
  /** Lines dropped because the buffer was full. */
  readonly dropped: number;
}

export interface AuditSinkOptions {
  /** Buffer cap in bytes (default 64 MiB). */
  maxBufferBytes?: number;
  /** Called for each record (metrics, tests). */
  onRecord?: (record: AuditRecord) => void;
  /**
   * Longest time a line waits in the buffer before it is handed to the stream (default 10 ms;
   * 0: on the next turn of the event loop). close() and flush() always write at once.
   */
  flushIntervalMs?: number;
}

/** A batch this large is handed over at once, whatever the interval. */
const BATCH_BYTES = 64 * 1024;

/** "stdout", "stderr" or a file path (appended, created with mode 0600). */
export function openAuditSink(output: string, opts: AuditSinkOptions = {}): StreamSink {
  if (output === "stdout" || output === "stderr") {
    // On a worker thread (the decision thread) process.stdout is a pipe through the main thread:
    // write to the file descriptor directly instead.
    if (!isMainThread) {
      const fd = output === "stdout" ? 1 : 2;
      return new StreamSink(createWriteStream("", { fd, autoClose: false }), true, opts);
    }
    return new StreamSink(output === "stdout" ? process.stdout : process.stderr, false, opts);
  }
  return new StreamSink(createWriteStream(output, { flags: "a", mode: 0o600 }), true, opts);
}

export class StreamSink implements AuditSink {
  private pending: string[] = [];
  private pendingBytes = 0;
  private scheduled = false;
  private droppedCount = 0;
  private inFlight: Promise<void> = Promise.resolve();
  private readonly maxBufferBytes: number;
  private readonly flushIntervalMs: number;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly stream: Writable,
    private readonly owned: boolean,
    private readonly opts: AuditSinkOptions = {},
  ) {
    this.maxBufferBytes = opts.maxBufferBytes ?? 64 * 1024 * 1024;
    this.flushIntervalMs = opts.flushIntervalMs ?? 10;
    stream.on("error", (e) => process.stderr.write(`audit: write failed: ${e.message}\n`));
  }

  get dropped(): number {
    return this.droppedCount;
  }

  write(record: AuditRecord): void {
    this.opts.onRecord?.(record);
    this.writeText(formatRecord(record), 1);
  }

  /**
   * Appends `lines` audit lines already formatted (each ending in a newline): those another thread
   * decided and formatted (src/server/decision/inline.ts), so that one writer owns the output.
   */
  writeText(text: string, lines: number): void {
    if (this.pendingBytes + text.length > this.maxBufferBytes) {
      if (this.droppedCount === 0) process.stderr.write("audit: buffer full, dropping audit lines\n");
      this.droppedCount += lines;
      return;
    }
    this.pending.push(text);
    this.pendingBytes += text.length;
    if (this.pendingBytes >= BATCH_BYTES) {
      this.drain();
      return;
    }
    if (!this.scheduled) {
      this.scheduled = true;
      if (this.flushIntervalMs > 0) {
        // One timer, re-armed per batch: a new setTimeout and its clearTimeout per batch cost
        // more than the batch's lines at 1000 Checks/s. Not unref'd: a process ending without
        // close() still writes its last batch.
        if (this.timer) this.timer.refresh();
        else this.timer = setTimeout(() => this.scheduled && this.drain(), this.flushIntervalMs);
      } else {
        setImmediate(() => this.drain());
      }
    }
  }

  private drain(): void {
    // The timer may still be armed (a full batch, a flush): when it fires, nothing is scheduled.
    this.scheduled = false;
    if (this.pending.length === 0) return;
    const chunk = this.pending.join("");
    this.pending = [];
    this.pendingBytes = 0;
    const previous = this.inFlight;
    this.inFlight = previous.then(
      () =>
        new Promise<void>((resolve) => {
          this.stream.write(chunk, () => resolve());
        }),
    );
  }

  async flush(): Promise<void> {
    this.drain();
    await this.inFlight;
  }

  async close(): Promise<void> {
    await this.flush();
    clearTimeout(this.timer);
    if (this.owned) await new Promise<void>((resolve) => this.stream.end(() => resolve()));
  }
}
