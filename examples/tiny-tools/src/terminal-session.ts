/**
 * A program in a real pseudo-terminal, read the way a person sees it (`@tinyllm/example-tools/testing`):
 * `@lydell/node-pty` runs it (prebuilt binaries from npm, no compiler, no tmux) and
 * `@xterm/headless` keeps the screen it draws, so tests match on what is on screen, not on raw
 * bytes with escape codes and carriage returns.
 */
import { type IPty, spawn } from '@lydell/node-pty';
import xterm from '@xterm/headless';

export interface TerminalSessionOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Screen size; 200 × 50 by default. */
  columns?: number;
  rows?: number;
}

export interface TerminalSession {
  /**
   * The screen and the scrollback above it, one line per row, wrapped rows joined. Trailing
   * blanks are cut except on the cursor's row up to the cursor (so a prompt ends `you> `).
   */
  screen(): string;
  /** Types text as is (no Enter). */
  type(text: string): void;
  /** Presses keys by name: `Enter`, `C-c`, `C-d`, `Escape`, `Tab`, `Up`, `Down`. */
  press(...keys: string[]): void;
  /** Waits until the screen matches, and returns it; fails with the screen seen last. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Resolves with the exit code when the program has exited. */
  readonly exited: Promise<number>;
  /** True once the program has exited. */
  hasExited(): boolean;
  /** Ends the program (if still running) and frees the terminal. */
  close(): Promise<void>;
}

const keys: Record<string, string> = {
  Enter: '\r',
  'C-c': '\x03',
  'C-d': '\x04',
  Escape: '\x1b',
  Tab: '\t',
  Up: '\x1b[A',
  Down: '\x1b[B',
};

export function startTerminalSession(
  command: string,
  args: readonly string[],
  options: TerminalSessionOptions = {},
): TerminalSession {
  const columns = options.columns ?? 200;
  const rows = options.rows ?? 50;
  const terminal = new xterm.Terminal({
    cols: columns,
    rows,
    scrollback: 1000,
    allowProposedApi: true,
  });
  let pending = Promise.resolve();
  const program: IPty = spawn(command, [...args], {
    name: 'xterm-256color',
    cols: columns,
    rows,
    cwd: options.cwd,
    env: { ...(options.env ?? process.env), TERM: 'xterm-256color' },
  });
  // Output is parsed asynchronously; `pending` settles when all of it so far is on the screen.
  program.onData((data) => {
    pending = new Promise((resolve) => terminal.write(data, resolve));
  });
  let exitCode: number | undefined;
  const exited = new Promise<number>((resolve) => {
    program.onExit(({ exitCode: code }) => {
      exitCode = code;
      resolve(code);
    });
  });

  function screen(): string {
    const buffer = terminal.buffer.active;
    const cursorRow = buffer.baseY + buffer.cursorY;
    const lines: string[] = [];
    for (let row = 0; row < buffer.length; row++) {
      const line = buffer.getLine(row);
      if (!line) continue;
      let text = line.translateToString(true);
      if (row === cursorRow) text = line.translateToString(false, 0, buffer.cursorX);
      if (line.isWrapped && lines.length > 0) lines[lines.length - 1] += text;
      else lines.push(text);
    }
    while (lines.length > 0 && lines.at(-1) === '') lines.pop();
    return lines.join('\n');
  }

  async function waitFor(pattern: RegExp, timeoutMs = 60_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await pending;
      const text = screen();
      if (pattern.test(text)) return text;
      if (Date.now() > deadline || exitCode !== undefined) {
        const why = exitCode === undefined ? 'timed out' : `the program exited (${exitCode})`;
        throw new Error(`${why} waiting for ${pattern}; the screen was:\n${text}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  return {
    screen,
    type: (text) => program.write(text),
    press: (...names) => {
      for (const name of names) {
        const sequence = keys[name];
        if (sequence === undefined) throw new Error(`unknown key "${name}"`);
        program.write(sequence);
      }
    },
    waitFor,
    exited,
    hasExited: () => exitCode !== undefined,
    close: async () => {
      if (exitCode === undefined) {
        program.kill();
        await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 2000))]);
      }
      terminal.dispose();
    },
  };
}
