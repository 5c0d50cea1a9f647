import type { MediatorDefinition } from '../mediator.js';
import { YAML_CHILDREN_KEY, YAML_TEXT_KEY } from './yaml-reader.js';

const COMMON_ATTRIBUTES = ['description', 'trace', 'statistics'];
const SCALAR = { type: ['string', 'number', 'boolean'] };

/**
 * The JSON Schema of the YAML form of a sequence (docs/yaml.md), generated from the registered mediator
 * definitions so that an editor can complete mediator names and attributes. Child elements are checked only
 * for their shape (one-key maps), since each mediator decides which children it reads.
 */
export function sequenceSchema(definitions: readonly MediatorDefinition[]): Record<string, unknown> {
  const mediators = [...definitions].sort((a, b) => a.name.localeCompare(b.name));
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'https://mediate.dev/schema/sequence.schema.json',
    title: 'Mediate sequence (YAML)',
    type: 'object',
    properties: { sequence: { $ref: '#/$defs/mediator-sequence' } },
    required: ['sequence'],
    additionalProperties: false,
    $defs: {
      element: {
        description: 'Any element: a one-key map {name: body}',
        type: 'object',
        minProperties: 1,
        maxProperties: 1,
      },
      children: { type: 'array', items: { $ref: '#/$defs/element' } },
      mediators: { type: 'array', items: { $ref: '#/$defs/mediator' } },
      mediator: { oneOf: mediators.map((m) => ({ type: 'object', properties: { [m.name]: { $ref: `#/$defs/mediator-${m.name}` } }, required: [m.name], additionalProperties: false })) },
      ...Object.fromEntries(mediators.map((m) => [`mediator-${m.name}`, bodySchema(m)])),
    },
  };
}

function bodySchema(m: MediatorDefinition): Record<string, unknown> {
  const attributes: Record<string, unknown> = {};
  for (const name of COMMON_ATTRIBUTES) attributes[name] = SCALAR;
  for (const [name, spec] of Object.entries(m.attributes ?? {})) attributes[name] = spec.values ? { enum: [...spec.values] } : SCALAR;
  const required = Object.entries(m.attributes ?? {}).filter(([, spec]) => spec.required).map(([name]) => name);
  if (m.attributes === undefined) return { description: `<${m.name}>` };
  const children = m.name === 'sequence' ? { $ref: '#/$defs/mediators' } : { $ref: '#/$defs/children' };
  // A key that is not an attribute is a child element, whose value is a map or a list (docs/yaml.md).
  const reserved = [...Object.keys(attributes), YAML_CHILDREN_KEY, YAML_TEXT_KEY].map((k) => k.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  const map: Record<string, unknown> = {
    type: 'object',
    properties: { ...attributes, [YAML_CHILDREN_KEY]: children, [YAML_TEXT_KEY]: SCALAR },
    patternProperties: {
      '^xmlns(:.+)?$': { type: 'string' },
      [`^(?!(?:${reserved.join('|')}|xmlns(?::.+)?)$)`]: { type: ['object', 'array', 'null'] },
    },
    additionalProperties: false,
    ...(required.length ? { required } : {}),
  };
  return { description: `<${m.name}>`, anyOf: [{ type: 'null' }, SCALAR, children, map] };
}
