// The schemas use zod/mini: it builds a schema in about half the time of zod's classic API,
// which attaches some fifty methods to every node, and every command builds its schemas at
// start-up. zod/mini speaks no language until told: its messages are English, as the classic
// API's are. A configuration is parsed once, so zod's compiled fast path (a `new Function` per
// object shape) would cost more to build than it saves.
import { en } from 'zod/locales';
import * as z from 'zod/mini';

z.config(en());
z.config({ jitless: true });
