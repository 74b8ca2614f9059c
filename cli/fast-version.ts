/**
 * `xlp --version`, `xlp -v` and `xlp version`, each with or without --json, answered without
 * loading oclif (a version probe should cost what `node` costs). Anything more on the command line
 * (`xlp version --help`, `xlp version -q`) goes to oclif's `version` command, which prints the same.
 */
import { readFileSync } from 'node:fs';
import { jsonDocument } from '../src/ui/json-document.js';
import { versionLine, versionReport } from '../src/ui/version.js';

const FORMS = new Set(['--version', '-v', 'version']);

/** Whether the command line asks for the version and nothing else. */
export function isVersionRequest(argv: readonly string[]): boolean {
  const rest = argv.filter((arg) => arg !== '--json');
  return rest.length === 1 && FORMS.has(rest[0] as string) && argv.length <= 2;
}

export function printVersion(argv: readonly string[], env: NodeJS.ProcessEnv): void {
  // package.json is two levels up from both dist/cli/ (tsc) and dist/bundle/ (the bundle).
  const pjson = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { name: string; version: string };
  const report = versionReport(pjson);
  const json = argv.includes('--json') || env.XLP_CONTENT_TYPE?.toLowerCase() === 'json';
  process.stdout.write(`${json ? jsonDocument(report) : versionLine(report)}\n`);
}
