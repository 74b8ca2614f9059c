import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/**
 * The layers of src/ (docs/architecture.md), enforced for static and dynamic imports alike. A later
 * block for the same files replaces an earlier one's rule, so each block lists its whole ban.
 */
const UI_AND_CLI = ['@oclif/*', '**/ui/*', 'listr2'];
const HOST_INSIDES = ['**/host/xen-livepatch/*', '**/host/sim/*', '**/host/ssh/*', '**/host/local-runner.js', '**/host/runner.js', '**/host/staging.js', '**/host/factory.js'];
const layers = [
  // The vocabulary: everything stands on it, it stands on nothing but the error type.
  { files: ['src/model/**/*.ts'], banned: ['../*', '!../errors.js', ...UI_AND_CLI, 'execa'], why: 'src/model depends on nothing else in src' },
  // The planner is pure: it reasons over the vocabulary's data and nothing else (no host, no files).
  { files: ['src/plan/**/*.ts'], banned: ['../*', '!../model', ...UI_AND_CLI, 'execa'], why: 'src/plan imports only src/model' },
  // The ELF reader reads bytes; it knows no host, no operation, no journal.
  { files: ['src/payload/**/*.ts'], banned: ['**/host/*', '**/host/**', '**/ops/*', '**/audit/*', '**/verify/*', '**/manifest/*', ...UI_AND_CLI, 'execa'], why: 'src/payload does not import the host or the layers above it' },
  // Runners run programs; they know nothing of Xen.
  { files: ['src/host/runner.ts', 'src/host/local-runner.ts', 'src/host/staging.ts', 'src/host/ssh/**/*.ts'], banned: ['**/xen-livepatch/*', '**/sim/*', '**/backend.js', '**/payload/*', '**/ops/*', '**/audit/*', '**/verify/*', ...UI_AND_CLI], why: 'runners know nothing of Xen' },
  // The simulator is the oracle xlp's payload checks are tested against: it decides what "Xen" refuses
  // from Xen's source (src/host/sim/elf/), never from xlp's payload or verify layers.
  { files: ['src/host/sim/**/*.ts'], banned: ['**/payload/*', '**/ops/*', '**/audit/*', '**/verify/*', ...UI_AND_CLI], why: "the simulator never borrows xlp's own checks or the layers above the host" },
  { files: ['src/host/xen-livepatch/**/*.ts', 'src/host/*.ts'], ignores: ['src/host/runner.ts', 'src/host/local-runner.ts', 'src/host/staging.ts'], banned: ['**/ops/*', '**/audit/*', '**/verify/*', ...UI_AND_CLI], why: 'the host layer does not import the layers above it' },
  // Operations reach the tool only through the Backend, and show progress only through the Reporter.
  { files: ['src/ops/**/*.ts'], banned: [...HOST_INSIDES, 'execa', ...UI_AND_CLI], why: 'src/ops reaches the hypervisor only through the Backend interface, and the UI only through the Reporter' },
  // Configuration is read by every layer above it: it knows the host options table, nothing else of the host.
  { files: ['src/config/**/*.ts'], banned: [...HOST_INSIDES, '**/host/backend.js', '**/ops/*', '**/audit/*', '**/verify/*', '**/payload/*', '**/manifest/*', ...UI_AND_CLI, 'execa'], why: 'src/config stands below verify, audit, the manifest and the operations' },
  { files: ['src/verify/**/*.ts', 'src/audit/**/*.ts'], banned: [...HOST_INSIDES, '**/ops/*', '**/manifest/*', ...UI_AND_CLI], why: 'verify and audit use the Backend interface and stay below the manifest, the operations and the UI' },
  // The manifest reads files and judges them with the payload reader and verify's rules; it knows no
  // host, no operation, no journal. ajv stays at build time (scripts/gen-manifest-validator.mjs).
  { files: ['src/manifest/**/*.ts'], banned: ['**/host/*', '**/host/**', '**/ops/*', '**/audit/*', ...UI_AND_CLI, 'execa', 'ajv', 'ajv/*'], why: 'src/manifest does not import the host or the layers above it, nor ajv at run time' },
  { files: ['src/ui/**/*.ts'], banned: ['**/ops/*', '**/host/*', '**/host/**', '@oclif/*', 'execa'], why: 'src/ui renders results; it does not import the operations or the host' },
  { files: ['src/util/**/*.ts', 'src/errors.ts', 'src/paths.ts'], banned: ['**/host/*', '**/ops/*', '**/audit/*', '**/verify/*', '**/payload/*', '**/manifest/*', ...UI_AND_CLI], why: 'the shared utilities stand below every layer' },
];

/** A gitignore-style import pattern as a regex esquery can read (it allows no '/' inside a regex literal). */
function globToRegex(glob) {
  const SLASH = '\\x2F';
  const segments = glob.split('/').map((segment) => {
    if (segment === '**') return `(?:[^\\x00]*${SLASH})?`;
    return segment.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, `[^${SLASH}]*`);
  });
  return `(?:^|${SLASH})${segments.join(SLASH).replaceAll(`)?${SLASH}`, ')?')}$`;
}

const layerRules = layers.map(({ files, ignores, banned, why }) => ({
  files,
  ...(ignores === undefined ? {} : { ignores }),
  rules: {
    'no-restricted-imports': ['error', { patterns: [{ group: banned, message: why }] }],
    // import('…') is how the CLI loads layers lazily: it must obey the same bans.
    'no-restricted-syntax': [
      'error',
      ...banned
        .filter((pattern) => !pattern.startsWith('!'))
        .map((pattern) => ({
          selector: `ImportExpression[source.value=/${globToRegex(pattern)}/]`,
          message: `${why} (dynamic import)`,
        })),
    ],
  },
}));

export default tseslint.config(
  // The validators are generated from docs/schema/*.schema.json (scripts/gen-*-validator.mjs).
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.work/**', 'src/**/*.generated.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  ...layerRules,
  {
    files: ['**/*.js', '**/*.mjs', 'bin/**/*'],
    languageOptions: { globals: globals.node },
  },
);
