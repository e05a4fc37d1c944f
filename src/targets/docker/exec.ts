// Commands run inside a container: exec with bounded output and time, and the container's own
// HEALTHCHECK run on demand.
import type { Duplex } from 'node:stream';
import type { ContainerApi, ContainerInspectInfo, InspectConfigExtras } from './api.js';
import { DockerApiError, messageOf, type CallOptions, type DockerClient } from './connection.js';
import { FrameDemuxer } from './streams.js';

export interface HealthcheckResult {
  /** false when the container has no healthcheck (or `NONE`). */
  defined: boolean;
  ok: boolean;
  output: string;
  /** The probe did not finish in time (Docker counts that as a failure too). */
  timedOut?: boolean;
}

/** A command run in a container (exec, healthcheck) took longer than allowed. */
export class ExecTimeoutError extends Error {
  override readonly name = 'ExecTimeoutError';
}

/** Cap on exec output kept in memory (logs have their own caps: MAX_LOG_LINES, MAX_LOG_BYTES). */
const MAX_OUTPUT_BYTES = 256 * 1024;

/** The container's own healthcheck command as an exec argv, or undefined when it has none. */
export function healthcheckArgv(info: ContainerInspectInfo): string[] | undefined {
  const test = info.Config.Healthcheck?.Test;
  if (!test || test.length === 0 || test[0] === 'NONE') return undefined;
  const shell = (info.Config as InspectConfigExtras).Shell;
  if (test[0] === 'CMD') return test.length > 1 ? test.slice(1) : undefined;
  if (test[0] === 'CMD-SHELL')
    return [...(shell?.length ? shell : ['/bin/sh', '-c']), test.slice(1).join(' ')];
  // An image's inherited form without a prefix is a shell command.
  return [...(shell?.length ? shell : ['/bin/sh', '-c']), test.join(' ')];
}

export class ContainerExec {
  constructor(
    private readonly client: DockerClient,
    private readonly containers: ContainerApi,
  ) {}

  /** Runs a command in a running container; output is stdout and stderr in order. */
  async exec(
    id: string,
    cmd: string[],
    timeoutMs: number,
    opts: { signal?: AbortSignal } = {},
  ): Promise<{ exitCode: number; output: string }> {
    const end = Date.now() + timeoutMs;
    const left = () => Math.max(1, end - Date.now());
    const what = `exec of '${cmd.join(' ')}' in container '${id}'`;
    const ex = await this.client.call(
      what,
      (signal) =>
        this.client
          .api()
          .getContainer(id)
          .exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true, abortSignal: signal }),
      { timeoutMs: left(), signal: opts.signal },
    );
    const stream = (await this.client.call(
      what,
      () => ex.start({ hijack: true, stdin: false }) as Promise<unknown>,
      {
        timeoutMs: left(),
        signal: opts.signal,
      },
    )) as Duplex;
    const chunks: Buffer[] = [];
    let size = 0;
    const demux = new FrameDemuxer((_s, data) => {
      if (size >= MAX_OUTPUT_BYTES) return;
      chunks.push(data);
      size += data.length;
    });
    // The daemon answered; from here a slow command is the command's fault, not the host's.
    const tooLong = () => new ExecTimeoutError(`Docker ${what} did not finish within ${timeoutMs} ms`);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(tooLong()), left());
      const cancel = () => reject(new Error(`Docker ${what} cancelled: the run's deadline passed`));
      opts.signal?.addEventListener('abort', cancel, { once: true });
      const done = () => {
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', cancel);
      };
      stream.on('data', (c: Buffer) => demux.push(c));
      stream.once('end', () => (done(), resolve()));
      stream.once('close', () => (done(), resolve()));
      stream.once('error', (e) => (done(), reject(this.client.unreachable(`${what}: ${messageOf(e)}`))));
    }).finally(() => stream.destroy());
    demux.end();
    // The exit code lands a moment after the stream closes.
    for (;;) {
      const info = await this.client.call(what, (signal) => ex.inspect({ abortSignal: signal }), {
        timeoutMs: left(),
        signal: opts.signal,
      });
      if (!info.Running && info.ExitCode !== null && info.ExitCode !== undefined) {
        return { exitCode: info.ExitCode, output: Buffer.concat(chunks).toString('utf8') };
      }
      if (Date.now() >= end) throw tooLong();
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /**
   * Runs the container's own HEALTHCHECK now (CMD or CMD-SHELL) via exec, with the healthcheck's own
   * timeout (default 30 s) bounded by `timeoutMs`.
   */
  async runHealthcheck(
    id: string,
    opts: CallOptions & { info?: ContainerInspectInfo } = {},
  ): Promise<HealthcheckResult> {
    const info = opts.info ?? (await this.containers.inspect(id, opts));
    const argv = healthcheckArgv(info);
    if (!argv) return { defined: false, ok: false, output: '' };
    if (!info.State.Running || info.State.Paused) {
      return {
        defined: true,
        ok: false,
        output: `container is ${info.State.Paused ? 'paused' : info.State.Status}`,
      };
    }
    const own = (info.Config.Healthcheck?.Timeout ?? 0) / 1e6 || 30_000;
    const timeoutMs = Math.min(own, opts.timeoutMs ?? own);
    try {
      const r = await this.exec(info.Id, argv, timeoutMs, { signal: opts.signal });
      return { defined: true, ok: r.exitCode === 0, output: r.output.trim() };
    } catch (e) {
      if (e instanceof DockerApiError) return { defined: true, ok: false, output: e.message };
      if (e instanceof ExecTimeoutError) {
        return {
          defined: true,
          ok: false,
          output: `healthcheck timed out after ${timeoutMs} ms`,
          timedOut: true,
        };
      }
      throw e;
    }
  }
}
