import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';
import aikit from './scripts/eslint/layer-rule.js';

// The layer rule: each folder under src/ (and src/frontend.ts, src/main.ts) may import only its own
// layer and the layers listed here. scripts/eslint/layer-rule.js resolves every import form (import,
// import type, export … from, import(), require, import('…').T, declare module) to a path and decides
// by the path's layer; a folder missing from this table is an error, in either direction.
const layers = {
  util: [],
  oci: ['util'],
  aikitfile: ['util', 'oci'],
  llb: ['util', 'oci'],
  convert: ['aikitfile', 'llb', 'util', 'oci'],
  gateway: ['llb', 'util', 'oci'],
  frontend: ['convert', 'gateway', 'aikitfile', 'llb', 'util', 'oci'],
  cli: ['aikitfile', 'convert', 'llb', 'util', 'oci'],
  main: ['frontend', 'gateway', 'util'],
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'website/**', 'coverage/**', 'charts/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    languageOptions: { globals: { process: 'readonly', Buffer: 'readonly', console: 'readonly' } },
    rules: {
      'no-console': ['error', { allow: ['error'] }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/**/*.ts'],
    plugins: { aikit },
    rules: { 'aikit/layers': ['error', { root: import.meta.dirname, layers }] },
  },
  // Type-aware rules for src/ only: they need the type checker, which costs time, and src/ is the product.
  {
    files: ['src/**/*.ts'],
    extends: [tseslint.configs.recommendedTypeCheckedOnly],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // A default case does not stand in for a missing member: adding a runtime or an op must fail lint at
      // every switch that forgot it.
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: false, requireDefaultForNonUnion: false },
      ],
    },
  },
  {
    // vitest's asymmetric matchers are typed `any` and its spies are checked as bare methods.
    files: ['src/**/*.test.ts'],
    rules: { '@typescript-eslint/no-unsafe-assignment': 'off', '@typescript-eslint/unbound-method': 'off' },
  },
  { files: ['src/cli/**/*.ts'], rules: { 'no-console': 'off' } },
  { files: ['test/**/*.ts', 'scripts/**', 'bench/**', '**/*.test.ts'], rules: { 'no-console': 'off' } },
  {
    files: ['**/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { require: 'readonly', module: 'writable', __dirname: 'readonly', setTimeout: 'readonly' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
