#!/usr/bin/env node
// The `mediate` command. Mediate is written in TypeScript and runs from source through tsx, so a checkout
// works as it is (`npx mediate`, `npm start`) with no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv);
