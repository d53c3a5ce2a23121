import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, onTestFinished } from 'vitest';

/**
 * A fresh directory under the OS temp dir, removed when the test that asked for it ends (or, asked for
 * outside a test, when the file's tests end): runs of the suite leave nothing behind in /tmp.
 */
export function tempDir(prefix: string): string {
  const directory = mkdtempSync(join(tmpdir(), prefix));
  const remove = () => rmSync(directory, { recursive: true, force: true });
  try {
    onTestFinished(remove);
  } catch {
    // not inside a test: at collection time, where file-level hooks are registered
    afterAll(remove);
  }
  return directory;
}
