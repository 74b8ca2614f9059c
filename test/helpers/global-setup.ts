import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The e2e and integration tests run the built CLI and fakes; `npm test` builds first. */
export default function setup(): void {
  const built = fileURLToPath(new URL('../../dist/bundle/main.js', import.meta.url));
  if (!existsSync(built)) throw new Error('dist/ is missing: run `npm run build` (npm test does it for you)');
}
