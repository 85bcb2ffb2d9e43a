#!/usr/bin/env node
// The `idp` operator command. In a checkout it runs the TypeScript sources
// through tsx; in the container image, where only the compiled code exists,
// it runs that.
import { existsSync } from 'node:fs';

const source = new URL('../cli/index.ts', import.meta.url);
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(source.href);
} else {
  await import(new URL('../../dist/src/cli/index.js', import.meta.url).href);
}
