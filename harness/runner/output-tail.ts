/**
 * Keeps the last bytes a child process wrote (its stderr, usually), so an
 * error can quote what the process said before it failed without holding
 * an unbounded log in memory.
 */
import type { Readable } from 'node:stream';

/** A bounded tail of a stream's output. */
export class OutputTail {
  private chunks: Buffer[] = [];
  private length = 0;
  private readonly maxBytes: number;

  /** @param maxBytes bytes kept (default 8 KiB) */
  constructor(maxBytes = 8 * 1024) {
    this.maxBytes = maxBytes;
  }

  /** Drains `stream` into the tail (and keeps draining: a full pipe would block the child). */
  follow(stream: Readable | null | undefined): this {
    stream?.on('data', (chunk: Buffer | string) => this.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk));
    return this;
  }

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.length += chunk.length;
    while (this.length - this.chunks[0]!.length >= this.maxBytes) {
      this.length -= this.chunks.shift()!.length;
    }
  }

  /** The last `lines` lines (default 20), trimmed; '' when nothing was written. */
  text(lines = 20): string {
    let all = Buffer.concat(this.chunks).toString('utf8');
    if (all.length > this.maxBytes) all = all.slice(all.length - this.maxBytes);
    const parts = all.split(/\r?\n/).filter((l) => l.trim() !== '');
    return parts.slice(-lines).join('\n');
  }
}
