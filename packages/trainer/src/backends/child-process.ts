import { spawn } from 'node:child_process';
import { TrainerError } from '../errors';

/** Options of {@link runProcess}. */
export interface RunProcessOptions {
  command: string;
  args: readonly string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  signal: AbortSignal;
  onLine(line: string, stream: 'stdout' | 'stderr'): void;
  /** Time between SIGTERM (the trainer saves a checkpoint) and SIGKILL. Default 30 s. */
  killAfterMs?: number;
}

/** How a process ended. */
export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Whether the abort signal fired while it ran. */
  aborted: boolean;
  /** Its last 40 output lines, for error messages. */
  tail: string;
}

/**
 * Runs a trainer process, line by line. Aborting sends SIGTERM to the whole process group (so a
 * shell's children stop too), then SIGKILL after `killAfterMs`.
 */
export function runProcess(options: RunProcessOptions): Promise<ProcessExit> {
  return new Promise((resolve, reject) => {
    if (options.signal.aborted) {
      resolve({ code: null, signal: null, aborted: true, tail: '' });
      return;
    }
    const child = spawn(options.command, options.args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: process.platform !== 'win32',
    });
    const tail: string[] = [];
    let aborted = false;
    let killTimer: NodeJS.Timeout | undefined;
    const signalGroup = (name: NodeJS.Signals) => {
      if (child.pid === undefined) return;
      try {
        if (process.platform === 'win32') child.kill(name);
        else process.kill(-child.pid, name);
      } catch {
        // already gone
      }
    };
    const onAbort = () => {
      aborted = true;
      signalGroup('SIGTERM');
      killTimer = setTimeout(() => signalGroup('SIGKILL'), options.killAfterMs ?? 30_000);
      killTimer.unref();
    };
    options.signal.addEventListener('abort', onAbort, { once: true });
    // Lines end at \n, and also at \r: tqdm redraws its progress bar with carriage returns.
    const read = (stream: NodeJS.ReadableStream, name: 'stdout' | 'stderr') =>
      new Promise<void>((done) => {
        let pending = '';
        const deliver = (line: string) => {
          if (line === '') return;
          tail.push(line);
          if (tail.length > 40) tail.shift();
          options.onLine(line, name);
        };
        stream.setEncoding('utf8');
        stream.on('data', (chunk: string) => {
          const parts = (pending + chunk).split(/\r\n|\r|\n/);
          pending = parts.pop() ?? '';
          for (const part of parts) deliver(part);
        });
        stream.on('end', () => {
          deliver(pending);
          done();
        });
      });
    const reading = Promise.all([read(child.stdout, 'stdout'), read(child.stderr, 'stderr')]);
    child.on('error', (error: NodeJS.ErrnoException) => {
      options.signal.removeEventListener('abort', onAbort);
      reject(
        new TrainerError({
          code: error.code === 'ENOENT' ? 'INVALID_OPTIONS' : 'TRAINING_FAILED',
          message: `Cannot start "${options.command}": ${error.message}.`,
          path: 'command',
          cause: error,
        }),
      );
    });
    child.on('close', (code, signal) => {
      void reading.then(() => {
        options.signal.removeEventListener('abort', onAbort);
        if (killTimer !== undefined) clearTimeout(killTimer);
        resolve({ code, signal, aborted, tail: tail.join('\n') });
      });
    });
  });
}
