import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireFileLock } from './file-lock';
import {
  type LockOwner,
  type OwnerProbe,
  type ProcessStatus,
  isAbandoned,
  ownOwner,
  ownerlessGraceMs,
  parseOwner,
  systemProbe,
} from './lock-owner';

const probe = (processes: Record<number, ProcessStatus>): OwnerProbe => ({
  host: 'here',
  pid: 1,
  status: (pid) => processes[pid] ?? { state: 'gone' },
});
const now = 1_000_000;
const judge = (owner: LockOwner | undefined, changedAtMs = now, processes = {}) =>
  isAbandoned({ owner, changedAtMs }, now, probe(processes));

describe('isAbandoned (the lock-breaking rule)', () => {
  it('breaks a lock whose holder on this host is gone, a zombie, or its pid reused, at once', () => {
    expect(judge({ pid: 7, host: 'here' })).toBe(true);
    expect(judge({ pid: 7, host: 'here', start: '10' }, now, { 7: { state: 'zombie' } })).toBe(
      true,
    );
    expect(
      judge({ pid: 7, host: 'here', start: '10' }, now, { 7: { state: 'running', start: '99' } }),
    ).toBe(true);
  });

  it('keeps a lock whose holder runs, is this process, or is on another host', () => {
    const running = { 7: { state: 'running', start: '10' } } as const;
    expect(judge({ pid: 7, host: 'here', start: '10' }, now, running)).toBe(false);
    // An owner written by a version without start times: the pid alone decides.
    expect(judge({ pid: 7, host: 'here' }, now, running)).toBe(false);
    expect(judge({ pid: 7, host: 'here', start: '10' }, now, { 7: { state: 'running' } })).toBe(
      false,
    );
    expect(judge({ pid: 1, host: 'here' })).toBe(false);
    expect(judge({ pid: 7, host: 'elsewhere' })).toBe(false);
  });

  it('breaks an ownerless lock only after the grace, measured from its last change', () => {
    expect(judge(undefined, now)).toBe(false);
    expect(judge(undefined, now - ownerlessGraceMs + 1)).toBe(false);
    expect(judge(undefined, now - ownerlessGraceMs)).toBe(true);
    expect(ownerlessGraceMs).toBeLessThan(1000);
  });

  it('reads only well-formed owner files', () => {
    expect(parseOwner('{"pid":3,"host":"h","start":"5"}')).toEqual({
      pid: 3,
      host: 'h',
      start: '5',
    });
    for (const text of ['', '{"pid": 12', 'null', '{"pid":"3","host":"h"}', '[]'])
      expect(parseOwner(text), text).toBeUndefined();
  });
});

describe.runIf(process.platform === 'linux')('the system probe (Linux /proc)', () => {
  let directory: string;
  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'tinyllm-lock-'));
  });
  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('records a start time, and tells a running process, a zombie and a gone one apart', async () => {
    const own = ownOwner();
    expect(own.start).toMatch(/^\d+$/);
    expect(systemProbe.status(process.pid)).toEqual({ state: 'running', start: own.start });
    // `sh` starts `sleep 0` in the background, then becomes `sleep 5`, which never reaps it:
    // the exited `sleep 0` stays a zombie (signal 0 still reaches it) until the parent ends.
    const parent = spawn('sh', ['-c', 'sleep 0 & echo $!; exec sleep 5']);
    const zombie = Number(
      await new Promise<string>((done) => parent.stdout.once('data', (chunk) => done(`${chunk}`))),
    );
    try {
      await waitFor(() => systemProbe.status(zombie).state === 'zombie');
      expect(() => process.kill(zombie, 0)).not.toThrow();
      // A lock held by that zombie is broken at once: no retry is allowed.
      const path = join(directory, 'zombie.json');
      await mkdir(`${path}.lock`);
      await writeFile(
        join(`${path}.lock`, 'owner'),
        JSON.stringify({ pid: zombie, host: hostname() }),
      );
      await (await acquireFileLock(path, { timeoutMs: 0 }))();
    } finally {
      parent.kill('SIGKILL');
    }
    await new Promise((done) => parent.once('exit', done));
    expect(systemProbe.status(parent.pid!)).toEqual({ state: 'gone' });
  });

  it('breaks at once a lock whose pid now names a process started at another time', async () => {
    const path = join(directory, 'reused.json');
    await mkdir(`${path}.lock`);
    const other = spawn('sleep', ['5']);
    try {
      const live = { pid: other.pid!, host: hostname() };
      await writeFile(join(`${path}.lock`, 'owner'), JSON.stringify({ ...live, start: '1' }));
      await (await acquireFileLock(path, { timeoutMs: 0 }))();
      // The same pid with its real start time is a live holder: the lock stays.
      await mkdir(`${path}.lock`);
      const start = systemProbe.status(other.pid!);
      expect(start.state).toBe('running');
      await writeFile(
        join(`${path}.lock`, 'owner'),
        JSON.stringify({ ...live, start: start.state === 'running' ? start.start : '' }),
      );
      const taken = await acquireFileLock(path, { timeoutMs: 0 }).then(
        () => 'taken',
        (error: { code?: string }) => error.code,
      );
      expect(taken).toBe('PROVIDER_UNAVAILABLE');
    } finally {
      other.kill('SIGKILL');
    }
    expect((await readdir(directory)).filter((entry) => entry.includes('.staging-'))).toEqual([]);
  });
});

async function waitFor(condition: () => boolean): Promise<void> {
  for (let attempt = 0; attempt < 200 && !condition(); attempt++)
    await new Promise((done) => setTimeout(done, 10));
  expect(condition()).toBe(true);
}
