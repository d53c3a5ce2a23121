/** The one-process-per-directory lock of a PGlite data directory. */
import { TinyLLMError } from '@tinyllm/core';
import * as lockfile from 'proper-lockfile';

/**
 * Locks a PGlite data directory for this process: PGlite is single-user PostgreSQL, and two
 * processes on one directory corrupt it. Throws CONFLICT naming the directory when it is taken.
 */
export async function lockDataDir(dataDir: string): Promise<() => Promise<void>> {
  const { mkdir } = await import('node:fs/promises');
  await mkdir(dataDir, { recursive: true });
  try {
    const release = await lockfile.lock(dataDir, {
      lockfilePath: `${dataDir.replace(/[\\/]+$/, '')}.lock`,
      realpath: false,
      stale: 10_000,
      onCompromised: () => {},
    });
    return async () => {
      await release().catch(() => {});
    };
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ELOCKED') {
      throw new TinyLLMError({
        code: 'CONFLICT',
        message: `The PGlite data directory ${dataDir} is already open in another process (or another storage in this one). PGlite allows one process per directory: share one storage, or use a PostgreSQL server.`,
        details: { dataDir },
        cause: error,
      });
    }
    throw error;
  }
}
