import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { MediateError } from '../../engine/errors.js';
import { parseKey } from '../../registry/key.js';
import type { Registry } from '../../registry/registry.js';
import { EXIT } from '../exit-codes.js';
import type { ExitReporter } from '../main.js';
import { addRegistryOptions, openRegistryFrom, type RegistryOptions } from '../registry-options.js';

/** `registry get` of a key that does not exist. */
const NOT_FOUND = 4;

type Action = (registry: Registry, ...args: string[]) => Promise<number>;

const collect = (value: string, previous: string[]) => [...previous, value];

function subcommand(name: string, description: string, args: string, action: Action, report: ExitReporter): Command {
  const command = new Command(name).description(description);
  for (const a of args.split(' ').filter(Boolean)) command.argument(a);
  addRegistryOptions(command, 'config folder whose gateway.yaml locates the registry (default: the current folder)');
  return command.action(async (...params: unknown[]) => {
    const options = params[params.length - 2] as RegistryOptions;
    const positional = params.slice(0, -2) as string[];
    let registry: Registry | undefined;
    try {
      registry = await openRegistryFrom(options, 'cwd');
      report(await action(registry, ...positional.map((p) => p ?? '')));
    } catch (err) {
      if (!(err instanceof MediateError)) throw err;
      process.stderr.write(`mediate registry ${name}: ${err.message}\n`);
      report(EXIT.INVALID_INPUT);
    } finally {
      await registry?.close();
    }
  });
}

export function registryCommand(report: ExitReporter): Command {
  const command = new Command('registry')
    .description('read and write registry resources (keys gov:/a/b, conf:/a/b, local:/a/b, KEY@property)')
    .addHelpText(
      'after',
      `
Exit status: 0 done, 2 invalid key or input (or a read-only scope), 4 no such resource.
Examples:
  mediate registry put gov:/api-backend-credentials/pizza/generated_Time 0
  mediate registry get gov:/api-backend-credentials/pizza/generated_Time
  mediate registry put gov:/api-backend-credentials/pizza/access_Token@owner ops-team
  mediate registry ls gov:/api-backend-credentials
  mediate registry props gov:/api-backend-credentials/pizza/access_Token
  mediate registry rm gov:/api-backend-credentials/pizza`,
    );

  command.addCommand(
    subcommand('get', 'print a resource\'s content, or a property with KEY@property', '<key>', async (registry, key) => {
      const parsed = parseKey(key);
      const resource = await registry.get(key);
      const value = parsed.property === undefined ? resource?.content : resource?.properties[parsed.property];
      if (value === undefined || resource?.collection) {
        process.stderr.write(`no ${parsed.property === undefined ? 'resource' : 'property'} ${key}\n`);
        return NOT_FOUND;
      }
      process.stdout.write(value);
      if (process.stdout.isTTY) process.stdout.write('\n');
      return EXIT.OK;
    }, report),
  );

  const put = subcommand(
    'put',
    'create or replace a resource (VALUE, or standard input with -); KEY@property sets one property and keeps the content',
    '<key> [value]',
    async (registry, key, value) => {
      const options = put.opts() as { mediaType?: string; property: string[] };
      const content = value === '-' || value === '' ? readFileSync(0) : Buffer.from(value!, 'utf8');
      if (parseKey(key).property !== undefined) {
        await registry.setProperty(key, content.toString('utf8'));
        return EXIT.OK;
      }
      const properties: Record<string, string> = {};
      for (const p of options.property) {
        const eq = p.indexOf('=');
        if (eq <= 0) throw new MediateError('MEDIATE_BAD_OPTION', `--property "${p}" is not of the form name=value`);
        properties[p.slice(0, eq)] = p.slice(eq + 1);
      }
      await registry.put(key, content, options.mediaType, properties);
      return EXIT.OK;
    },
    report,
  )
    .option('--media-type <type>', 'media type of the content', 'text/plain')
    .option('--property <name=value>', 'a resource property (repeatable)', collect, []);
  command.addCommand(put);

  command.addCommand(
    subcommand('ls', 'list a collection: one line per child, collections end with /', '[key]', async (registry, key) => {
      const k = parseKey(key || 'gov:/');
      for (const entry of await registry.list(key || 'gov:/')) {
        process.stdout.write(`${k.scope}:${entry.path}${entry.collection ? '/' : ''}\n`);
      }
      return EXIT.OK;
    }, report),
  );

  command.addCommand(
    subcommand('rm', 'delete a resource, or a collection with everything in it', '<key>', async (registry, key) => {
      if (!(await registry.remove(key))) {
        process.stderr.write(`no resource ${key}\n`);
        return NOT_FOUND;
      }
      return EXIT.OK;
    }, report),
  );

  command.addCommand(
    subcommand('props', 'print a resource\'s properties, one name=value per line', '<key>', async (registry, key) => {
      const resource = await registry.get(key);
      if (!resource) {
        process.stderr.write(`no resource ${key}\n`);
        return NOT_FOUND;
      }
      for (const [name, value] of Object.entries(resource.properties)) process.stdout.write(`${name}=${value}\n`);
      return EXIT.OK;
    }, report),
  );
  return command;
}
