import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The folder holding package.json, config/ and views/. Found by walking up
 * from this module, so the same code works from src/ under tsx and from the
 * compiled dist/src/.
 */
function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('package.json not found above the application code');
    dir = parent;
  }
  return dir;
}

export const ROOT_DIR = findRoot();
export const CONFIG_DIR = join(ROOT_DIR, 'config');
export const VIEWS_DIR = join(ROOT_DIR, 'views');
export const LOCALES_DIR = join(VIEWS_DIR, 'locales');
