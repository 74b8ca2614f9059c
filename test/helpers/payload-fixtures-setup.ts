/**
 * Vitest global setup: one private directory for the payload fixtures of the whole run, handed to
 * the test files through provide/inject and removed when the run ends. Vitest ends its workers
 * without an 'exit' event, so the workers cannot clean up after themselves.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    payloadFixtureRoot: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const root = await mkdtemp(join(tmpdir(), 'xlp-test-payloads-'));
  project.provide('payloadFixtureRoot', root);
  return () => rm(root, { recursive: true, force: true });
}
