import { directionFilter } from './support/direction.js';

/** `<out>`: children run for responses only. */
export const outMediator = directionFilter('out', true);
