/**
 * Who holds a registry file lock, and whether that holder is gone: the rule that lets the next
 * writer break a killed writer's lock at once instead of waiting for it to go stale.
 *
 * A pid alone is not enough on a busy machine: a killed process whose parent has not reaped it
 * yet is a zombie (signal 0 still reaches it), and after a restart its pid may belong to another
 * process. So the owner file also records the process's start time (Linux `/proc/<pid>/stat`),
 * and a holder counts as gone when its pid is unknown, a zombie, or now names a process that
 * started at another time.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

/** The content of a lock's `owner` file. */
export interface LockOwner {
  pid: number;
  host: string;
  /** Start time of the process (clock ticks since boot, Linux); absent elsewhere. */
  start?: string;
}

/** What is known of a process on this host. */
export type ProcessStatus =
  | { state: 'gone' }
  | { state: 'zombie' }
  | { state: 'running'; start?: string };

/** How a lock is judged; injectable so the rule is tested without real processes. */
export interface OwnerProbe {
  host: string;
  pid: number;
  status(pid: number): ProcessStatus;
}

/**
 * How long a lock without a readable owner is left alone, measured from the lock directory's
 * ctime. A lock of this package is never visible without its owner (it is renamed into place
 * with it), so an ownerless lock is one a holder was releasing, or one whose owner a power cut
 * emptied; the grace only spares a writer of an older scheme that writes its owner just after
 * creating the lock. ctime, not mtime: proper-lockfile sets the mtime up to a second ahead.
 */
export const ownerlessGraceMs = 250;

/**
 * True when the lock is abandoned and may be broken now: its owner is a process on this host
 * that is gone (see the module comment), or it has had no readable owner for
 * {@link ownerlessGraceMs}. A holder on another host is never judged here (the caller's
 * mtime rule applies).
 */
export function isAbandoned(
  lock: { owner: LockOwner | undefined; changedAtMs: number },
  nowMs: number,
  probe: OwnerProbe,
): boolean {
  const { owner } = lock;
  if (owner === undefined) return nowMs - lock.changedAtMs >= ownerlessGraceMs;
  if (owner.host !== probe.host || owner.pid === probe.pid) return false;
  const status = probe.status(owner.pid);
  if (status.state !== 'running') return true;
  // Same pid, another start time: the holder died and its pid was reused.
  return owner.start !== undefined && status.start !== undefined && owner.start !== status.start;
}

/** Parses a `LockOwner` from the owner file's text; undefined when it is not one. */
export function parseOwner(text: string): LockOwner | undefined {
  try {
    const value = JSON.parse(text) as Partial<LockOwner> | null;
    if (typeof value?.pid !== 'number' || typeof value.host !== 'string') return undefined;
    return {
      pid: value.pid,
      host: value.host,
      ...(typeof value.start === 'string' ? { start: value.start } : {}),
    };
  } catch {
    return undefined;
  }
}

const hasProcfs = (() => {
  try {
    readFileSync('/proc/self/stat', 'utf8');
    return true;
  } catch {
    return false;
  }
})();

/** Start time and state of a process from `/proc/<pid>/stat`; undefined without procfs. */
function procStat(pid: number): { state: string; start: string } | 'gone' | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // No such entry while /proc itself exists: the process is gone.
    if (code === 'ENOENT' || code === 'ESRCH') return hasProcfs ? 'gone' : undefined;
    return undefined;
  }
  // The command name (field 2) is in parentheses and may hold spaces: split after it.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const state = fields[0];
  const start = fields[19];
  return state === undefined || start === undefined ? undefined : { state, start };
}

function signalReaches(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The probe of this process: `/proc` where there is one, signal 0 elsewhere. */
export const systemProbe: OwnerProbe = {
  host: hostname(),
  pid: process.pid,
  status(pid) {
    const stat = procStat(pid);
    if (stat === 'gone') return { state: 'gone' };
    if (stat !== undefined) {
      // Z: zombie, X: dead. Either way the holder will never release its lock.
      if (stat.state === 'Z' || stat.state === 'X') return { state: 'zombie' };
      return { state: 'running', start: stat.start };
    }
    return signalReaches(pid) ? { state: 'running' } : { state: 'gone' };
  },
};

/** The owner record of this process. */
export function ownOwner(): LockOwner {
  const stat = procStat(process.pid);
  return {
    pid: process.pid,
    host: systemProbe.host,
    ...(stat !== undefined && stat !== 'gone' ? { start: stat.start } : {}),
  };
}
