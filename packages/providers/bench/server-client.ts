/**
 * Starts `server-process.ts` in a child process and talks to it (see there).
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** A server running in a child process. */
export interface ServerProcess {
  url: string;
  /** Queues `scenario` `count` times (every request gets the next one). */
  script(scenario: unknown, count: number): Promise<void>;
  close(): Promise<void>;
}

const script = fileURLToPath(new URL('./server-process.ts', import.meta.url));
const packageDirectory = fileURLToPath(new URL('..', import.meta.url));

/** Starts a server of `kind` (`ollama`, `openai` or `tgi`) in a child process. */
export async function startServerProcess(kind: 'ollama' | 'openai' | 'tgi'): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', script, kind], {
    cwd: packageDirectory,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! });
  const waiting: Array<(line: string) => void> = [];
  lines.on('line', (line) => waiting.shift()?.(line));
  const nextLine = () => new Promise<string>((resolve) => waiting.push(resolve));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const first = await Promise.race([
    nextLine(),
    exited.then(() => {
      throw new Error(`the ${kind} server process exited before it started`);
    }),
  ]);
  const { url } = JSON.parse(first) as { url: string };
  return {
    url,
    async script(scenario, count) {
      const answered = nextLine();
      child.stdin!.write(`${JSON.stringify({ scenario, count })}\n`);
      await answered;
    },
    async close() {
      child.stdin!.end();
      const timer = setTimeout(() => child.kill(), 2_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
