/**
 * Writes audit lines without ever blocking a Check on I/O: lines are appended to an in-memory
 * buffer and handed to the stream on the next turn of the event loop. When the stream is slower
 * than traffic for long enough that the buffer exceeds its cap, further lines are dropped and
 * counted (and reported once on stderr) rather than stalling authorization.
 */
import { createWriteStream } from "node:fs";
import type { Writable } from "node:stream";
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
}

/** "stdout", "stderr" or a file path (appended, created with mode 0600). */
export function openAuditSink(output: string, opts: AuditSinkOptions = {}): AuditSink {
  if (output === "stdout") return new StreamSink(process.stdout, false, opts);
  if (output === "stderr") return new StreamSink(process.stderr, false, opts);
  return new StreamSink(createWriteStream(output, { flags: "a", mode: 0o600 }), true, opts);
}

export class StreamSink implements AuditSink {
  private pending: string[] = [];
  private pendingBytes = 0;
  private scheduled = false;
  private droppedCount = 0;
  private inFlight: Promise<void> = Promise.resolve();
  private readonly maxBufferBytes: number;

  constructor(
    private readonly stream: Writable,
    private readonly owned: boolean,
    private readonly opts: AuditSinkOptions = {},
  ) {
    this.maxBufferBytes = opts.maxBufferBytes ?? 64 * 1024 * 1024;
    stream.on("error", (e) => process.stderr.write(`audit: write failed: ${e.message}\n`));
  }

  get dropped(): number {
    return this.droppedCount;
  }

  write(record: AuditRecord): void {
    this.opts.onRecord?.(record);
    const line = formatRecord(record);
    if (this.pendingBytes + line.length > this.maxBufferBytes) {
      if (this.droppedCount === 0) process.stderr.write("audit: buffer full, dropping audit lines\n");
      this.droppedCount++;
      return;
    }
    this.pending.push(line);
    this.pendingBytes += line.length;
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.drain());
    }
  }

  private drain(): void {
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
    if (this.owned) await new Promise<void>((resolve) => this.stream.end(() => resolve()));
  }
}
