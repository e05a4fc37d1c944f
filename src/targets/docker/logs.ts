// A container's log: the newest lines of a window, read as a stream and kept within line and byte caps.
import type { Readable } from 'node:stream';
import { LineTail, MAX_LOG_BYTES, MAX_LOG_LINES } from '../logfile.js';
import { dockerTime, type CallOptions, type DockerClient } from './connection.js';
import { FrameDemuxer } from './streams.js';

export interface ContainerLogOptions extends CallOptions {
  sinceSeconds?: number;
  /** The last N lines only (Docker's own `tail`). */
  tail?: number;
  /** Default MAX_LOG_LINES. */
  maxLines?: number;
  /** Default MAX_LOG_BYTES. */
  maxBytes?: number;
}

export interface ContainerLogs {
  /** Oldest first. */
  lines: string[];
  /** Older lines of the window were left out to stay within the caps. */
  capped: boolean;
}

const RFC3339_PREFIX = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d) ?/;

/** A log line and the time Docker stamped it: epoch milliseconds (whole seconds) and nanoseconds within. */
interface StampedLine {
  ms: number;
  nano: number;
  text: string;
}

/** `2025-01-10T14:30:15.123456789Z text` → the text and its time (0 when it has none). */
function stampedLine(raw: string): StampedLine {
  const m = RFC3339_PREFIX.exec(raw);
  if (!m) return { ms: 0, nano: 0, text: raw };
  const ms = Date.parse(`${raw.slice(0, 19)}${m[2]}`);
  const nano = m[1] ? Number(m[1].slice(1, 10).padEnd(9, '0')) : 0;
  return { ms: Number.isFinite(ms) ? ms : 0, nano, text: raw.slice(m[0].length) };
}

const stampedBefore = (a: StampedLine, b: StampedLine) => a.ms < b.ms || (a.ms === b.ms && a.nano < b.nano);

export class ContainerLogReader {
  constructor(private readonly client: DockerClient) {}

  /** Log lines (stdout and stderr, in order, timestamps stripped), within the caps of readLogs. */
  async logs(idOrName: string, opts: ContainerLogOptions = {}): Promise<string[]> {
    return (await this.readLogs(idOrName, opts)).lines;
  }

  /**
   * The newest log lines written since `sinceSeconds` ago, at most `maxLines` lines and `maxBytes`
   * bytes of text (the log file caps by default). Docker is asked for that tail only, and the body is
   * read as a stream, frame by frame, keeping no more than the caps: a container that printed a
   * million lines costs what one that printed the cap costs. `capped` says older lines were left out.
   */
  async readLogs(idOrName: string, opts: ContainerLogOptions = {}): Promise<ContainerLogs> {
    const maxLines = Math.max(1, opts.maxLines ?? MAX_LOG_LINES);
    const maxBytes = Math.max(1, opts.maxBytes ?? MAX_LOG_BYTES);
    // One line more than the cap: receiving it is how a cut window is told from a window that fits.
    const wanted = opts.tail !== undefined && opts.tail <= maxLines ? opts.tail : maxLines + 1;
    const query: Record<string, string | number | boolean> = {
      stdout: true,
      stderr: true,
      timestamps: true,
      follow: false,
      tail: wanted,
    };
    if (opts.sinceSeconds !== undefined) query.since = dockerTime(Date.now() - opts.sinceSeconds * 1000);
    const what = `logs of container '${idOrName}'`;
    const tail = await this.client.call(
      what,
      (signal) => this.streamLogs(idOrName, query, signal, maxLines, maxBytes),
      {
        timeoutMs: opts.timeoutMs,
        signal: opts.signal,
      },
    );
    // stdout and stderr are separate pipes: the timestamps put their lines back in order (a stable
    // sort, and only when they are not in order already).
    const stamped = tail.lines();
    if (stamped.some((l, i) => i > 0 && stampedBefore(l, stamped[i - 1]!)))
      stamped.sort((a, b) => (stampedBefore(a, b) ? -1 : stampedBefore(b, a) ? 1 : 0));
    const lines = stamped.map((l) => l.text);
    return { lines, capped: tail.dropped > 0 };
  }

  /** GET /containers/{id}/logs as a stream (follow=false ends it at the log's end), into a bounded tail. */
  private streamLogs(
    idOrName: string,
    query: Record<string, string | number | boolean>,
    signal: AbortSignal,
    maxLines: number,
    maxBytes: number,
  ): Promise<LineTail<StampedLine>> {
    return new Promise((resolve, reject) => {
      this.client.api().modem.dial(
        {
          path: `/containers/${encodeURIComponent(idOrName)}/logs?`,
          method: 'GET',
          options: query,
          isStream: true,
          abortSignal: signal,
          statusCodes: { 200: true, 404: 'no such container', 500: 'server error' },
        },
        (err, res) => {
          if (err) return reject(err);
          const body = res as Readable;
          const tail = new LineTail<StampedLine>(maxLines, maxBytes);
          // Lines are cut out of the frames as bytes and decoded once each: no string of a whole chunk,
          // and a character split across two frames is decoded whole.
          const partial: Record<'stdout' | 'stderr', Buffer[]> = { stdout: [], stderr: [] };
          const partialBytes = { stdout: 0, stderr: 0 };
          const add = (bytes: Buffer) => {
            const end =
              bytes.length > 0 && bytes[bytes.length - 1] === 0x0d ? bytes.length - 1 : bytes.length;
            const raw = bytes.toString('utf8', 0, end);
            const line = stampedLine(raw);
            // The text's bytes: the timestamp in front of it is ASCII, one byte a character.
            tail.push(line, end - (raw.length - line.text.length));
          };
          const flush = (stream: 'stdout' | 'stderr', last: Buffer) => {
            if (partial[stream].length === 0) return add(last);
            add(Buffer.concat([...partial[stream], last]));
            partial[stream] = [];
            partialBytes[stream] = 0;
          };
          const demux = new FrameDemuxer((stream, data) => {
            let start = 0;
            for (let nl = data.indexOf(0x0a); nl !== -1; nl = data.indexOf(0x0a, start)) {
              flush(stream, data.subarray(start, nl));
              start = nl + 1;
            }
            if (start === data.length) return;
            // A copy: the frame is a view of the socket's chunk, which should not stay alive for it.
            partial[stream].push(Buffer.from(data.subarray(start)));
            partialBytes[stream] += data.length - start;
            // A line that never ends (a progress bar on a TTY) is cut rather than grown without bound.
            if (partialBytes[stream] > maxBytes) {
              const kept = Buffer.concat(partial[stream]).subarray(-maxBytes);
              partial[stream] = [Buffer.from(kept)];
              partialBytes[stream] = kept.length;
              tail.dropped++;
            }
          });
          const stop = () =>
            body.destroy(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
          body.on('data', (c: Buffer) => demux.push(c));
          body.once('error', (e) => (signal.removeEventListener('abort', stop), reject(e)));
          if (signal.aborted) stop();
          else signal.addEventListener('abort', stop, { once: true });
          body.once('end', () => {
            signal.removeEventListener('abort', stop);
            demux.end();
            for (const stream of ['stdout', 'stderr'] as const)
              if (partial[stream].length) flush(stream, Buffer.alloc(0));
            resolve(tail);
          });
        },
      );
    });
  }
}
