// Docker's stream formats: the multiplexed stdout/stderr frames of logs and exec, and the
// newline-delimited JSON of events. Both are parsed incrementally, chunk by chunk.

/** Splits Docker's multiplexed stream format (8-byte headers) into frames, incrementally. */
export class FrameDemuxer {
  private buffer: Buffer = Buffer.alloc(0);
  private raw = false;
  private decided = false;
  constructor(private readonly onFrame: (stream: 'stdout' | 'stderr', data: Buffer) => void) {}

  push(chunk: Buffer): void {
    if (this.raw) return this.onFrame('stdout', chunk);
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    while (this.buffer.length >= 8) {
      const type = this.buffer[0];
      // A TTY container's output is not multiplexed: no valid header at the start.
      if (
        !this.decided &&
        (type > 2 || this.buffer[1] !== 0 || this.buffer[2] !== 0 || this.buffer[3] !== 0)
      ) {
        this.raw = true;
        const all = this.buffer;
        this.buffer = Buffer.alloc(0);
        return this.onFrame('stdout', all);
      }
      this.decided = true;
      const len = this.buffer.readUInt32BE(4);
      if (this.buffer.length < 8 + len) return;
      this.onFrame(type === 2 ? 'stderr' : 'stdout', this.buffer.subarray(8, 8 + len));
      this.buffer = this.buffer.subarray(8 + len);
    }
  }

  end(): void {
    if (this.buffer.length) this.onFrame('stdout', this.buffer);
    this.buffer = Buffer.alloc(0);
  }
}

/** Splits a stream of newline-delimited JSON objects (Docker events). */
export function jsonLines(onObject: (o: Record<string, unknown>) => void): (chunk: Buffer | string) => void {
  let pending = '';
  return (chunk) => {
    pending += chunk.toString();
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, nl).trim();
      pending = pending.slice(nl + 1);
      if (!line) continue;
      try {
        onObject(JSON.parse(line) as Record<string, unknown>);
      } catch {
        /* not JSON: ignore */
      }
    }
  };
}
