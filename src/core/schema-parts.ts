// The schemas use zod/mini: it builds a schema in about half the time of zod's classic API,
// which attaches some fifty methods to every node, and every command builds its schemas at
// start-up. zod/mini speaks no language until told: its messages are English, as the classic
// API's are. A configuration is parsed once, so zod's compiled fast path (a `new Function` per
// object shape) would cost more to build than it saves. Importing this module sets both, and
// gives the parts every schema file builds from.
import { en } from 'zod/locales';
import * as z from 'zod/mini';

z.config(en());
z.config({ jitless: true });

/** A string with at least one character. */
export const nonEmpty = () => z.string().check(z.minLength(1));

/** A number no less than `min`. */
export const atLeast = (min: number) => z.number().check(z.minimum(min));

/** A number above 0. */
export const positive = () => z.number().check(z.gt(0));

/** A number from `min` to `max`, both included. */
export const between = (min: number, max: number) =>
  z.number().check(z.minimum(min), z.maximum(max));

/** A whole number, 1 or more. */
export const count = () => z.int().check(z.minimum(1));
