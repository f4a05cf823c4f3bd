import { mkdirSync, readFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { RequestHandler } from 'express';

/**
 * An emulator's data on disk, kept across restarts as a real site keeps it: a service that linked SBX-1 must find
 * SBX-1 after a restart, and never a different issue under that key. Read once at start; written a moment after a
 * change (`delayMs`), so a burst of calls writes the file once; written at close. Each write goes to a temporary
 * file that is then renamed over the old one, so a crash leaves the old file or the new one, never half of one.
 */
export class StateFile {
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private written: string | undefined;

  readonly file: string;
  private readonly snapshot: () => unknown;
  private readonly delayMs: number;

  constructor(file: string, snapshot: () => unknown, delayMs = 200) {
    this.file = file;
    this.snapshot = snapshot;
    this.delayMs = delayMs;
  }

  /** The saved data, or undefined when nothing was saved yet. Throws, naming the file, when it cannot be read. */
  load(): unknown {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new Error(`cannot read emulator state ${this.file}: ${(err as Error).message}`);
    }
    try {
      const data: unknown = JSON.parse(text);
      this.written = text;
      return data;
    } catch (err) {
      throw new Error(
        `emulator state ${this.file} is not JSON (${(err as Error).message}); move it away to start empty`,
      );
    }
  }

  /** Something changed: written once the burst is over. */
  changed(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      // A failed write is tried again at the next change, and at close, which reports it.
      this.flush().catch(() => {});
    }, this.delayMs);
    this.timer.unref();
  }

  /** Writes now if the data differs from what the file holds (an API read changes nothing, so writes nothing). */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const next = this.writing.then(async () => {
      const text = JSON.stringify(this.snapshot());
      if (text === this.written) return;
      mkdirSync(path.dirname(this.file), { recursive: true });
      const temporary = `${this.file}.${process.pid}.tmp`;
      await writeFile(temporary, text, { mode: 0o600 });
      await rename(temporary, this.file);
      this.written = text;
    });
    // One write at a time, in order; a failed one does not stop the next.
    this.writing = next.catch(() => {});
    await next;
  }

  /** Express middleware: a call that may have changed the data (anything but GET and HEAD) schedules a write. */
  watch(): RequestHandler {
    return (req, res, next) => {
      if (req.method !== 'GET' && req.method !== 'HEAD') res.once('finish', () => this.changed());
      next();
    };
  }
}

/** An object with these array fields, else an error naming the file: what a restore reads before trusting it. */
export function savedShape<K extends string>(
  data: unknown,
  file: string,
  arrays: readonly K[],
): Record<K, unknown[]> & Record<string, unknown> {
  const ok =
    typeof data === 'object' &&
    data !== null &&
    (data as { version?: unknown }).version === 1 &&
    arrays.every((k) => Array.isArray((data as Record<string, unknown>)[k]));
  if (!ok)
    throw new Error(`emulator state ${file} is not one this version reads; move it away to start empty`);
  return data as Record<K, unknown[]> & Record<string, unknown>;
}
