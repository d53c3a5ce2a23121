import { afterEach, describe, expect, it } from 'vitest';
import { type TerminalSession, startTerminalSession } from './terminal-session';

let session: TerminalSession | undefined;
afterEach(async () => {
  await session?.close();
});

// A tiny interactive program: redraws a line in place, then echoes what is typed, until "bye".
const program = `
process.stdout.write('loading 10%\\rloading 100%\\n');
const rl = require('node:readline').createInterface({ input: process.stdin, output: process.stdout });
rl.setPrompt('you> ');
rl.prompt();
rl.on('line', (line) => {
  if (line === 'bye') process.exit(3);
  console.log('echo: ' + line + ' (' + process.stdout.isTTY + ')');
  rl.prompt();
});
rl.on('SIGINT', () => { console.log('^C seen'); rl.prompt(); });
`;

describe('startTerminalSession', () => {
  it('shows the screen as drawn, takes typed text and keys, and reports the exit code', async () => {
    session = startTerminalSession(process.execPath, ['-e', program], { columns: 40, rows: 10 });
    let text = await session.waitFor(/you> $/m, 20_000);
    expect(text).toContain('loading 100%');
    expect(text).not.toContain('loading 10%\n');
    session.type('hello');
    session.press('Enter');
    text = await session.waitFor(/echo: hello \(true\)\nyou> $/m, 20_000);
    session.press('C-c');
    await session.waitFor(/\^C seen\nyou> $/m, 20_000);
    session.type('bye');
    session.press('Enter');
    expect(await session.exited).toBe(3);
    expect(session.hasExited()).toBe(true);
  }, 60_000);

  it('joins a long line the terminal wrapped', async () => {
    session = startTerminalSession(
      process.execPath,
      ['-e', `console.log('x'.repeat(50) + 'END')`],
      {
        columns: 20,
        rows: 5,
      },
    );
    const text = await session.waitFor(/END/, 20_000);
    expect(text).toContain(`${'x'.repeat(50)}END`);
  }, 60_000);

  it('names what it waited for and the screen when the program exits first', async () => {
    session = startTerminalSession(process.execPath, ['-e', `console.log('done')`]);
    await expect(session.waitFor(/never/, 20_000)).rejects.toThrow(
      /exited \(0\) waiting for \/never\/[\s\S]*done/,
    );
  }, 60_000);
});
