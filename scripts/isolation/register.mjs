// `node --import tsx --import ./scripts/isolation/register.mjs --test FILE`: see hooks.mjs.
import { register } from 'node:module';

register('./hooks.mjs', import.meta.url);
