import { MediatorRegistry, type MediatorDefinition } from '../engine/mediator.js';
import { classMediator } from './class.js';
import { call } from './call.js';
import { drop } from './drop.js';
import { enrich } from './enrich.js';
import { filter } from './filter.js';
import { header } from './header.js';
import { inMediator } from './in.js';
import { log } from './log.js';
import { loopback } from './loopback.js';
import { outMediator } from './out.js';
import { payloadFactory } from './payload-factory.js';
import { property } from './property.js';
import { propertyGroup } from './property-group.js';
import { respond } from './respond.js';
import { script } from './script.js';
import { send } from './send.js';
import { sequence } from './sequence.js';
import { switchMediator } from './switch.js';

/** Every mediator that ships with Mediate, registered through the same plug-in interface as a user's own. */
export const BUILTIN_MEDIATORS: readonly MediatorDefinition[] = [
  call,
  classMediator,
  drop,
  enrich,
  filter,
  header,
  inMediator,
  log,
  loopback,
  outMediator,
  payloadFactory,
  property,
  propertyGroup,
  respond,
  script,
  send,
  sequence,
  switchMediator,
];

/** A registry holding the built-in mediators; plug-ins are registered on top of it. */
export function builtinMediators(): MediatorRegistry {
  const registry = new MediatorRegistry();
  for (const definition of BUILTIN_MEDIATORS) registry.register(definition);
  return registry;
}
