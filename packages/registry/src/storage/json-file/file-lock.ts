/**
 * A cross-process lock for the registry file, built on proper-lockfile (a `mkdir` lock kept
 * fresh by touching its mtime).
 *
 * proper-lockfile only considers a lock stale after `stale` ms (at least 2 s), so a writer killed
 * with SIGKILL would stall every other writer for seconds. So each lock directory carries an
 * owner file (pid, host), and the `fs` we hand to proper-lockfile applies this rule:
 *
 * **A lock is abandoned, and broken at once, when its owner names a process on this host that is
 * gone (no such pid, a zombie, or a pid reused by a process started later), or when it has had
 * no readable owner file for a short grace** (see `lock-owner.ts`). Otherwise proper-lockfile's
 * mtime rule applies (a holder on another host is presumed alive until its lock is `staleMs`
 * old). So a writer killed with SIGKILL costs the next writer no wait at all.
 *
 * Breaking an ownerless lock is safe because a lock directory is never visible without its owner: it is built
 * under a private staging name (`<file>.lock.staging-<host>-<pid>-<random>`) with the owner file
 * written inside, then renamed into place in one atomic step. A holder killed before the rename
 * leaves only its staging directory, which the next locker removes once that pid is gone.
 * Every writer of one file must use this scheme (this version of the package or later).
 *
 * A lock a live process just re-took keeps its owner file, so our non-recursive `rmdir` fails
 * and that lock survives a racing stale-breaker.
 */
import * as fs from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { TinyLLMError } from '@tinyllm/core';
import * as lockfile from 'proper-lockfile';
import { type LockOwner, isAbandoned, ownOwner, parseOwner, systemProbe } from './lock-owner';

function readOwner(lockPath: string): LockOwner | undefined {
  try {
    return parseOwner(fs.readFileSync(join(lockPath, 'owner'), 'utf8'));
  } catch {
    return undefined;
  }
}

/** Whether the lock at `lockPath` (whose stat is `stat`) may be broken now. */
function abandoned(lockPath: string, stat: fs.Stats): boolean {
  return isAbandoned(
    { owner: readOwner(lockPath), changedAtMs: stat.ctimeMs },
    Date.now(),
    systemProbe,
  );
}

/**
 * Whether a lock held by another process may be removed: abandoned, or untouched for `staleMs`
 * (proper-lockfile's rule: its holder refreshes the mtime every `staleMs / 2`).
 */
function breakable(lockPath: string, staleMs: number): boolean {
  const stat = fs.statSync(lockPath);
  return abandoned(lockPath, stat) || stat.mtimeMs < Date.now() - staleMs;
}

type Callback = (error: NodeJS.ErrnoException | null) => void;

/** Whether two stats are of the same directory entry (a lock renamed in anew differs). */
function sameEntry(a: fs.Stats, b: fs.Stats): boolean {
  return a.ino === b.ino && a.ctimeMs === b.ctimeMs && a.birthtimeMs === b.birthtimeMs;
}

// Host and pid in staging names, so a dead holder's leftovers can be told apart and removed.
const stagingTag = `${hostname().replace(/[^A-Za-z0-9.-]/g, '_')}-${process.pid}`;

/**
 * Removes staging directories of `lockPath` left by holders on this host that are gone (killed
 * between creating the staging directory and renaming it into place).
 */
function removeDeadStaging(lockPath: string): void {
  const prefix = `${basename(lockPath)}.staging-${hostname().replace(/[^A-Za-z0-9.-]/g, '_')}-`;
  let entries: string[];
  try {
    entries = fs.readdirSync(dirname(lockPath));
  } catch {
    return;
  }
  for (const entry of entries) {
    if (!entry.startsWith(prefix)) continue;
    const pid = Number(entry.slice(prefix.length).split('-')[0]);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    if (systemProbe.status(pid).state === 'running') continue;
    fs.rmSync(join(dirname(lockPath), entry), { recursive: true, force: true });
  }
}

function errorCallback(callback: Callback, error: unknown): void {
  process.nextTick(callback, error as NodeJS.ErrnoException);
}

// The wrappers use synchronous calls on purpose: checking an owner and acting on it must not be
// split across event-loop turns, or another process could slip in between.
const lockFsCache = new Map<string, ReturnType<typeof createLockFs>>();

/**
 * One `fs` per lock path, kept: proper-lockfile caches its mtime-precision probe on the `fs`
 * object, and a fresh object per lock would repeat that probe (a utimes and a stat) every write.
 */
function lockFs(lockPath: string, staleMs: number) {
  const key = `${staleMs}\u0000${lockPath}`;
  let cached = lockFsCache.get(key);
  if (cached === undefined) {
    if (lockFsCache.size > 100) lockFsCache.clear();
    cached = createLockFs(lockPath, staleMs);
    lockFsCache.set(key, cached);
  }
  return cached;
}

function createLockFs(lockPath: string, staleMs: number) {
  return {
    ...fs,
    mkdir(path: string, callback: Callback) {
      if (path !== lockPath) return fs.mkdir(path, callback);
      const staging = `${lockPath}.staging-${stagingTag}-${Math.random().toString(36).slice(2, 10)}`;
      try {
        fs.mkdirSync(staging);
        fs.writeFileSync(join(staging, 'owner'), JSON.stringify(ownOwner()));
        fs.renameSync(staging, path);
      } catch (error) {
        fs.rmSync(staging, { recursive: true, force: true });
        const code = (error as NodeJS.ErrnoException).code;
        // Renaming onto a lock directory that holds an owner file fails; to proper-lockfile
        // that is "the lock exists", which it then checks for staleness.
        if (code === 'ENOTEMPTY' || code === 'EEXIST') {
          return errorCallback(
            callback,
            Object.assign(new Error('Lock exists'), { code: 'EEXIST' }),
          );
        }
        return errorCallback(callback, error);
      }
      errorCallback(callback, null);
    },
    stat(path: string, callback: (error: NodeJS.ErrnoException | null, stat?: fs.Stats) => void) {
      if (path !== lockPath) return fs.stat(path, callback);
      try {
        const stat = fs.statSync(path);
        // Abandoned (see the rule above): report it as stale at once.
        if (abandoned(lockPath, stat)) stat.mtime = new Date(0);
        process.nextTick(callback, null, stat);
      } catch (error) {
        process.nextTick(callback, error as NodeJS.ErrnoException);
      }
    },
    rmdir(path: string, callback: Callback) {
      if (path !== lockPath) return fs.rmdir(path, callback);
      try {
        const judged = fs.statSync(path);
        const owner = readOwner(lockPath);
        if (owner === undefined) {
          // No readable owner, and proper-lockfile found the lock stale (past the grace or
          // `staleMs` old). Most often the directory is empty: its holder, or another writer
          // breaking it, removed the owner a moment ago, and that writer may be renaming its
          // own lock into place right now. So never remove an owner file blindly (that once
          // deleted a new holder's owner, and two writers held the lock: a lost write in the
          // SIGKILL test): remove the directory alone, which fails while it holds a file.
          try {
            fs.rmdirSync(path);
            return errorCallback(callback, null);
          } catch (error) {
            if ((error as NodeJS.ErrnoException).code !== 'ENOTEMPTY') throw error;
          }
          // It holds an owner file after all. A new holder's is readable (it is written before
          // the rename): leave that lock alone. An unreadable one in the directory we judged
          // is what a power cut leaves (an empty owner): remove it. Nothing can be renamed onto
          // the directory while that file is in it.
          if (readOwner(lockPath) !== undefined || !sameEntry(fs.statSync(path), judged)) {
            return errorCallback(
              callback,
              Object.assign(new Error('Lock re-taken by a live process'), { code: 'ELOCKED' }),
            );
          }
          fs.unlinkSync(join(lockPath, 'owner'));
        } else if (owner.pid !== process.pid && !breakable(lockPath, staleMs)) {
          // Re-taken by a live process since proper-lockfile judged it stale.
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
  removeDeadStaging(lockPath);
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
