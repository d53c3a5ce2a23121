/**
 * A cross-process lock for the registry file, built on proper-lockfile (a `mkdir` lock kept
 * fresh by touching its mtime).
 *
 * proper-lockfile only considers a lock stale after `stale` ms (at least 2 s), so a writer killed
 * with SIGKILL would stall every other writer for seconds. So the holder also writes an owner
 * file (pid, host) inside the lock directory, and the `fs` we hand to proper-lockfile:
 * - reports a lock whose holder is provably dead (same host, pid gone) as stale at once;
 * - removes a lock directory only when it is ours, its holder is dead, or it has no owner yet
 *   (proper-lockfile's own mtime rule). A lock a live process just re-took keeps its owner file,
 *   so the non-recursive `rmdir` fails and that lock survives a racing stale-breaker.
 * Anything uncertain falls back to proper-lockfile's mtime rule.
 */
import * as fs from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { TinyLLMError } from '@tinyllm/core';
import * as lockfile from 'proper-lockfile';

interface OwnerInfo {
  pid: number;
  host: string;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM means the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readOwner(lockPath: string): OwnerInfo | undefined {
  try {
    return JSON.parse(fs.readFileSync(join(lockPath, 'owner'), 'utf8')) as OwnerInfo;
  } catch {
    return undefined;
  }
}

const isDead = (owner: OwnerInfo) =>
  owner.host === hostname() && owner.pid !== process.pid && !isAlive(owner.pid);

type Callback = (error: NodeJS.ErrnoException | null) => void;

function errorCallback(callback: Callback, error: unknown): void {
  process.nextTick(callback, error as NodeJS.ErrnoException);
}

// The wrappers use synchronous calls on purpose: checking an owner and acting on it must not be
// split across event-loop turns, or another process could slip in between.
function lockFs(lockPath: string, staleMs: number) {
  return {
    ...fs,
    mkdir(path: string, callback: Callback) {
      if (path !== lockPath) return fs.mkdir(path, callback);
      try {
        fs.mkdirSync(path);
      } catch (error) {
        return errorCallback(callback, error);
      }
      try {
        const owner: OwnerInfo = { pid: process.pid, host: hostname() };
        fs.writeFileSync(join(path, 'owner'), JSON.stringify(owner));
      } catch {
        // Without an owner file the lock falls back to mtime staleness.
      }
      errorCallback(callback, null);
    },
    stat(path: string, callback: (error: NodeJS.ErrnoException | null, stat?: fs.Stats) => void) {
      if (path !== lockPath) return fs.stat(path, callback);
      try {
        const stat = fs.statSync(path);
        const owner = readOwner(lockPath);
        if (owner !== undefined && isDead(owner)) stat.mtime = new Date(0);
        process.nextTick(callback, null, stat);
      } catch (error) {
        process.nextTick(callback, error as NodeJS.ErrnoException);
      }
    },
    rmdir(path: string, callback: Callback) {
      if (path !== lockPath) return fs.rmdir(path, callback);
      try {
        const owner = readOwner(lockPath);
        if (owner === undefined) {
          // No owner: either abandoned long ago (mtime rule) or a lock created this instant
          // whose owner file is being written; only the first may be removed.
          if (fs.statSync(path).mtimeMs > Date.now() - staleMs) {
            return errorCallback(
              callback,
              Object.assign(new Error('Lock is fresh'), { code: 'ELOCKED' }),
            );
          }
          // A holder killed while writing its owner file leaves it empty or cut short: it is
          // unreadable, but it is there, and the non-recursive rmdir below would fail on it
          // (ENOTEMPTY) on every attempt, so the abandoned lock would never be broken.
          fs.rmSync(join(lockPath, 'owner'), { force: true });
        } else if (owner.pid !== process.pid && !isDead(owner)) {
          return errorCallback(
            callback,
            Object.assign(new Error('Lock re-taken by a live process'), { code: 'ELOCKED' }),
          );
        } else {
          fs.unlinkSync(join(lockPath, 'owner'));
        }
        fs.rmdirSync(path);
        errorCallback(callback, null);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT')
          return errorCallback(callback, null);
        errorCallback(callback, error);
      }
    },
  };
}

/** Settings of the registry file lock. */
export interface FileLockOptions {
  /** How long to keep retrying before giving up with PROVIDER_UNAVAILABLE. Default 60 s. */
  timeoutMs?: number;
  /** After how long an untouched lock is considered abandoned. Default 10 s (minimum 2 s). */
  staleMs?: number;
}

/**
 * Takes the lock of `file`, waiting for other processes; resolves to a release function.
 * Throws PROVIDER_UNAVAILABLE (retryable) when the lock cannot be taken in time.
 */
export async function acquireFileLock(
  file: string,
  options: FileLockOptions = {},
): Promise<() => Promise<void>> {
  const lockPath = `${file}.lock`;
  const timeoutMs = options.timeoutMs ?? 60_000;
  const deadline = Date.now() + timeoutMs;
  const staleMs = Math.max(options.staleMs ?? 10_000, 2000);
  let compromised: Error | undefined;
  for (let attempt = 0; ; attempt++) {
    try {
      const release = await lockfile.lock(file, {
        realpath: false,
        lockfilePath: lockPath,
        stale: staleMs,
        fs: lockFs(lockPath, staleMs),
        onCompromised: (error) => {
          compromised = error;
        },
      });
      return async () => {
        await release().catch(() => {});
        if (compromised !== undefined) {
          throw new TinyLLMError({
            code: 'CONFLICT',
            message: `The lock of ${file} was lost while held; the last write may have raced another process.`,
            cause: compromised,
          });
        }
      };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // ENOTEMPTY/ENOENT: another process took or broke the lock between our calls.
      const contended = code === 'ELOCKED' || code === 'ENOTEMPTY' || code === 'ENOENT';
      if (!contended || Date.now() > deadline) {
        throw new TinyLLMError({
          code: 'PROVIDER_UNAVAILABLE',
          message: `Could not lock ${file}: ${(error as Error).message}`,
          cause: error,
        });
      }
      // Short, jittered waits: writes are quick, and jitter avoids lock-step retries.
      const wait = Math.min(50, 2 + attempt * 2) * (0.5 + Math.random());
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}
