// Writes schema/sequence.schema.json from the built-in mediator definitions: `npm run schema`.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sequenceSchema } from '../engine/config/yaml-schema.js';
import { BUILTIN_MEDIATORS } from '../mediators/index.js';

const file = join(import.meta.dirname, '../schema/sequence.schema.json');
writeFileSync(file, `${JSON.stringify(sequenceSchema(BUILTIN_MEDIATORS), null, 2)}\n`);
console.log(`wrote ${file}`);
