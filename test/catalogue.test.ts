import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import test from 'ava';

const ROOT = join(import.meta.dirname, '..');
const LANGUAGES = ['da', 'en'];

type Tree = { [key: string]: string | Tree };

/** Every message key of a catalogue, plural forms (`_one`, `_other`) folded into their base key. */
function keysOf(tree: Tree, prefix = ''): Set<string> {
  const keys = new Set<string>();
  for (const [name, value] of Object.entries(tree)) {
    const path = `${prefix}${name}`;
    if (typeof value === 'string') keys.add(path.replace(/_(zero|one|two|few|many|other)$/, ''));
    else for (const key of keysOf(value, `${path}.`)) keys.add(key);
  }
  return keys;
}

function filesUnder(dir: string, extensions: string[]): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((file) => extensions.some((ext) => file.endsWith(ext)))
    .map((file) => join(ROOT, dir, file));
}

const catalogues = Object.fromEntries(
  LANGUAGES.map((lang) => [
    lang,
    keysOf(
      JSON.parse(readFileSync(join(ROOT, 'views', 'locales', `${lang}.json`), 'utf8')) as Tree,
    ),
  ]),
);

test('Danish and English have exactly the same messages', (t) => {
  const [da, en] = [catalogues.da as Set<string>, catalogues.en as Set<string>];
  t.deepEqual(
    [...da].filter((key) => !en.has(key)),
    [],
    'missing in English',
  );
  t.deepEqual(
    [...en].filter((key) => !da.has(key)),
    [],
    'missing in Danish',
  );
});

test('every message is used by a view or the code, and every key used exists', (t) => {
  const sources = [...filesUnder('src', ['.ts']), ...filesUnder('views', ['.hbs'])].map((file) =>
    readFileSync(file, 'utf8'),
  );
  const all = catalogues.da as Set<string>;
  const literals = new Set<string>();
  const dynamicPrefixes = new Set<string>();
  for (const source of sources) {
    // 'a.b' or "a.b" in code, and {{t "a.b"}} or (t "a.b") in views.
    for (const match of source.matchAll(/['"]([a-z][A-Za-z0-9]*(?:\.[A-Za-z0-9_]+)+)['"]/g)) {
      literals.add(match[1] as string);
    }
    // `prefix.${...}`: a key built at run time from a known prefix.
    for (const match of source.matchAll(/`([a-z][A-Za-z0-9]*(?:\.[A-Za-z0-9_]+)*\.)\$\{/g)) {
      dynamicPrefixes.add(match[1] as string);
    }
  }
  // A literal that names a group of messages (a namespace handed to a
  // helper, such as 'password.errors') uses the whole group.
  const namespaces = [...literals].filter((literal) => !all.has(literal)).map((n) => `${n}.`);
  const used = (key: string) =>
    literals.has(key) ||
    [...dynamicPrefixes, ...namespaces].some((prefix) => key.startsWith(prefix));

  t.deepEqual(
    [...all].filter((key) => !used(key)),
    [],
    'messages nothing uses',
  );

  // Keys the views look up must exist (the code's keys are partly dynamic; the views' are not).
  const viewKeys = filesUnder('views', ['.hbs']).flatMap((file) =>
    [...readFileSync(file, 'utf8').matchAll(/\(?t "([^"]+)"/g)].map((m) => m[1] as string),
  );
  t.deepEqual(
    viewKeys.filter((key) => !all.has(key)),
    [],
    'keys the views use that do not exist',
  );
});
