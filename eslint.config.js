import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.work/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': 'off',
    },
  },
  {
    // The library must stay usable without oclif: only commands/ and cli/ may import it.
    files: ['src/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['@oclif/*'] }],
    },
  },
  {
    // The simulator is the oracle xlp's payload checks are tested against: it must not borrow them.
    // (This replaces the rule above for these files, so it repeats the oclif pattern.)
    files: ['src/host/sim/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@oclif/*'], message: 'The library must stay usable without oclif.' },
            {
              group: ['**/payload/*', '**/verify/*'],
              message: "The simulator decides what Xen refuses from Xen's source (src/host/sim/elf/), not from xlp's payload or verify layers.",
            },
          ],
        },
      ],
      // no-restricted-imports does not see import(): the simulator used to load xlp's reader that way.
      'no-restricted-syntax': [
        'error',
        {
          selector: 'ImportExpression[source.value=/(^|\\/)(payload|verify)\\//]',
          message: "The simulator decides what Xen refuses from Xen's source (src/host/sim/elf/), not from xlp's payload or verify layers.",
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', 'bin/**/*'],
    languageOptions: { globals: globals.node },
  },
);
