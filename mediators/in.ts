import { directionFilter } from './support/direction.js';

/** `<in>`: children run for requests only. */
export const inMediator = directionFilter('in', false);
