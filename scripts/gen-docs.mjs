#!/usr/bin/env node
/**
 * Writes the generated parts of the documents from their one source (after `npm run build`):
 * the exit-code tables of the README and docs/exit-codes.md. test/unit/docs-generated.test.ts
 * fails when a document differs from what this would write.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { exitCodesMarkdown, replaceGenerated } from '../dist/src/ui/exit-codes.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const documents = [
  { file: 'README.md', name: 'exit-codes', content: exitCodesMarkdown(true) },
  { file: 'docs/exit-codes.md', name: 'exit-codes', content: exitCodesMarkdown() },
];
for (const { file, name, content } of documents) {
  const path = `${root}${file}`;
  const before = readFileSync(path, 'utf8');
  const after = replaceGenerated(before, name, content);
  if (after !== before) {
    writeFileSync(path, after);
    console.log(`updated ${file}`);
  }
}
