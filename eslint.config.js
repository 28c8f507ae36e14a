// Lint: typescript-eslint recommended, plus the project's two hard rules:
// no console.* in server code, and process.env only where config is read (main.ts, core/src/config).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '.data/**', 'test-output/**', 'client/dist/**', 'builder/buildpacks/**', '**/fixtures/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      'no-console': 'error',
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Read config once in main.ts via core/config.' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['*/src/main.ts', '*/src/cli/**', 'api/src/git/pre-receive.hook.ts', 'core/src/config/**', 'scripts/**', 'e2e/**', 'bench/**', '**/*.test.ts', 'vitest.config.ts', 'client/vite.config.ts'],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    files: ['scripts/**', 'bench/**', 'e2e/**', 'client/**'],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['client/**'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    // tests read loosely typed JSON bodies
    files: ['e2e/**', 'bench/**', '**/*.test.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
