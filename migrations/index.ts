import { InitialSchema1796313600000 } from './1796313600000-initial-schema.js';

/** Every migration, oldest first. A new migration is added here and nowhere else. */
export const migrations = [InitialSchema1796313600000];
