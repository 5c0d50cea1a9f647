import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { tmpdir, userInfo } from 'node:os';

/**
 * A throwaway PostgreSQL server for the tests, in a temporary folder of its own: `dir/data` (the cluster) and
 * `dir/server.log`. The same code serves the vitest global setup, the tests that need a server they may stop, and
 * `.ci/run` (through postgres-cli.ts), so there is one way to make one.
 */

/** Debian installs the server binaries outside PATH, one folder per major version. */
const DEBIAN_ROOT = '/usr/lib/postgresql';

/** The folder holding initdb and pg_ctl: PATH first, then Debian's newest version; undefined when there is none. */
export function postgresBinDir(): string | undefined {
  const candidates = (process.env['PATH'] ?? '').split(delimiter).filter(Boolean);
  if (existsSync(DEBIAN_ROOT)) {
    const versions = readdirSync(DEBIAN_ROOT).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((v) => join(DEBIAN_ROOT, v, 'bin')));
  }
  return candidates.find((d) => existsSync(join(d, 'initdb')) && existsSync(join(d, 'pg_ctl')));
}

/** initdb refuses to run as root; as root, the server runs as the `postgres` user that the Debian package creates. */
const asRoot = () => userInfo().uid === 0;

async function run(bin: string, args: string[]): Promise<void> {
  const [file, argv] = asRoot() ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
  await new Promise<void>((resolve, reject) => {
    execFile(file, argv, { timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${bin} ${args.join(' ')} failed: ${stderr || stdout || err.message}`));
      else resolve();
    });
  });
}

function binary(name: 'initdb' | 'pg_ctl'): string {
  const dir = postgresBinDir();
  if (!dir) throw new Error('PostgreSQL is not installed: no initdb/pg_ctl in PATH or /usr/lib/postgresql/*/bin (apt-get install postgresql)');
  return join(dir, name);
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === 'object' && address ? address.port : 0;
}

export interface ThrowawayPostgres {
  /** The folder to give pausePostgres, resumePostgres and stopPostgres. */
  readonly dir: string;
  readonly url: string;
}

/**
 * Creates a cluster in a new temporary folder, listening on a free loopback port, and starts it. The superuser
 * `postgres` has a random password that TCP connections must give, so tests can check that it never leaks.
 * Durability is off: the data is thrown away.
 */
export async function startPostgres(): Promise<ThrowawayPostgres> {
  // A folder straight in the temporary directory: the postgres user must be able to reach it when root runs this.
  const dir = mkdtempSync(join(tmpdir(), 'mediate-pg-'));
  try {
    const password = randomBytes(12).toString('hex');
    const passwordFile = join(dir, 'password');
    writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
    if (asRoot()) {
      const { uid, gid } = postgresUser();
      chownSync(dir, uid, gid);
      chownSync(passwordFile, uid, gid);
    }
    const data = join(dir, 'data');
    await run(binary('initdb'), ['-D', data, '-U', 'postgres', `--pwfile=${passwordFile}`, '--auth-local=trust', '--auth-host=scram-sha-256', '-E', 'UTF8', '--locale=C', '--no-sync']);
    rmSync(passwordFile);
    const port = await freePort();
    const settings = [`port = ${port}`, `listen_addresses = '127.0.0.1'`, `unix_socket_directories = '${dir}'`, 'fsync = off', 'synchronous_commit = off', 'full_page_writes = off', 'max_connections = 200'];
    writeFileSync(join(data, 'postgresql.conf'), `${readFileSync(join(data, 'postgresql.conf'), 'utf8')}\n${settings.join('\n')}\n`);
    await resumePostgres(dir);
    return { dir, url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres` };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

/** Stops the server in `dir` at once (clients see their connections drop), keeping its data. */
export async function pausePostgres(dir: string): Promise<void> {
  await run(binary('pg_ctl'), ['-D', join(dir, 'data'), '-m', 'fast', '-w', 'stop']);
}

/** Starts the server in `dir` again, on the same port, and waits until it accepts connections. */
export async function resumePostgres(dir: string): Promise<void> {
  await run(binary('pg_ctl'), ['-D', join(dir, 'data'), '-l', join(dir, 'server.log'), '-w', '-t', '30', 'start']);
}

/** Stops the server in `dir`, if it runs, and deletes the folder. */
export async function stopPostgres(dir: string): Promise<void> {
  try {
    if (existsSync(join(dir, 'data', 'postmaster.pid'))) await pausePostgres(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function postgresUser(): { uid: number; gid: number } {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('postgres:'));
  if (!line) throw new Error('running as root needs the "postgres" user (the Debian postgresql package creates it)');
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}
