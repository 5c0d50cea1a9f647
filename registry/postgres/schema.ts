import type pg from 'pg';
import { RegistryStoreError } from '../store.js';

/**
 * The registry's tables, one migration per schema version; a new version appends a migration and never edits
 * an old one. Every space (governance, config) lives in the same tables, told apart by `space`, so one
 * database can hold both.
 *
 * - resources: as in the SQLite store. Paths use the "C" collation so that ordering and prefixes are by
 *   bytes, whatever the database's locale.
 * - leases: owner and expiry, compared against the database's clock so that nodes with skewed clocks agree.
 * - versions: one change counter per space. A write locks its row first, so writes to a space commit one at a
 *   time and in the order of their numbers: a reader that has seen version n has seen every change before it.
 * - changes: which path each version changed, so that a node catches up on what it missed by reloading just
 *   those paths. Old entries are pruned; a node that missed more reloads everything.
 */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE mediate_registry_resources (
     space text NOT NULL,
     path text COLLATE "C" NOT NULL,
     parent text COLLATE "C",
     collection boolean NOT NULL DEFAULT false,
     media_type text NOT NULL,
     content bytea NOT NULL,
     properties text NOT NULL,
     modified bigint NOT NULL,
     PRIMARY KEY (space, path)
   );
   CREATE INDEX mediate_registry_resources_parent ON mediate_registry_resources (space, parent);
   CREATE TABLE mediate_registry_leases (
     space text NOT NULL,
     path text COLLATE "C" NOT NULL,
     owner text NOT NULL,
     expires_at timestamptz NOT NULL,
     PRIMARY KEY (space, path)
   );
   CREATE TABLE mediate_registry_versions (
     space text PRIMARY KEY,
     version bigint NOT NULL
   );
   CREATE TABLE mediate_registry_changes (
     space text NOT NULL,
     version bigint NOT NULL,
     path text COLLATE "C" NOT NULL,
     PRIMARY KEY (space, version)
   );`,
];

const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Creates or upgrades the tables, and the change counter of `space`. Nodes starting together each try; the
 * advisory lock makes them take turns, so each migration runs once. A database already at a newer schema
 * (a newer Mediate upgraded it) is refused rather than used wrongly.
 */
export async function migrate(client: pg.ClientBase, space: string): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query(`SELECT pg_advisory_xact_lock(hashtext('mediate_registry_schema'))`);
    await client.query('CREATE TABLE IF NOT EXISTS mediate_registry_schema (version integer NOT NULL)');
    const { rows } = await client.query<{ version: number }>('SELECT version FROM mediate_registry_schema');
    const current = rows[0]?.version ?? 0;
    if (current > SCHEMA_VERSION) {
      throw new RegistryStoreError(`the registry tables are at schema version ${current}, newer than this Mediate knows (${SCHEMA_VERSION}); upgrade Mediate`);
    }
    for (const migration of MIGRATIONS.slice(current)) await client.query(migration);
    if (rows.length === 0) await client.query('INSERT INTO mediate_registry_schema (version) VALUES ($1)', [SCHEMA_VERSION]);
    else if (current < SCHEMA_VERSION) await client.query('UPDATE mediate_registry_schema SET version = $1', [SCHEMA_VERSION]);
    await client.query('INSERT INTO mediate_registry_versions (space, version) VALUES ($1, 0) ON CONFLICT (space) DO NOTHING', [space]);
    await client.query('COMMIT');
  } catch (err) {
    // A failed ROLLBACK means the connection is gone, which ends the transaction anyway; `err` says why.
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}
