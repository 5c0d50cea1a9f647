import type { TestProject } from 'vitest/node';
import { postgresBinDir, startPostgres, stopPostgres } from './postgres-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The PostgreSQL server the tests use, or null when there is none (the tests that need one are skipped). */
    postgresUrl: string | null;
  }
}

/**
 * Gives the tests a PostgreSQL server: MEDIATE_TEST_PG_URL when set (.ci/run starts one), else a throwaway one
 * started here and stopped after the run. With neither, the PostgreSQL tests are skipped on a developer's
 * machine, but under CI=true the run fails: CI must not pass by skipping them.
 */
export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const given = process.env['MEDIATE_TEST_PG_URL'];
  if (given) {
    project.provide('postgresUrl', given);
    return undefined;
  }
  if (!postgresBinDir()) {
    const why = 'MEDIATE_TEST_PG_URL is not set and PostgreSQL is not installed (no initdb/pg_ctl in PATH or /usr/lib/postgresql/*/bin)';
    if (process.env['CI'] === 'true') throw new Error(`the PostgreSQL tests cannot run: ${why}; CI must run them`);
    console.warn(`\n  PostgreSQL tests SKIPPED: ${why}. Install postgresql or set MEDIATE_TEST_PG_URL to run them.\n`);
    project.provide('postgresUrl', null);
    return undefined;
  }
  const server = await startPostgres();
  project.provide('postgresUrl', server.url);
  return () => stopPostgres(server.dir);
}
