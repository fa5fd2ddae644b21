import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

// The layer rule (DEVELOPERS.md, style.md §3): aikitfile and llb are leaves; convert sees aikitfile and llb;
// gateway sees llb; only src/frontend.ts joins convert and gateway; cli uses aikitfile, convert and llb.
// Below them all, beside util, sits oci: the registry vocabulary every layer shares (the Digest type,
// sha256 parsing, the image-reference parser); it imports only util, and every layer may import it.
const forbid = (...layers) => ({
  'no-restricted-imports': [
    'error',
    {
      patterns: layers.map((l) => ({
        group: [`**/${l}`, `**/${l}/**`, `../${l}/*`, `./${l}/*`],
        message: `this layer must not import ${l} (see the layer rule in README.md)`,
      })),
    },
  ],
});

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
  { files: ['src/aikitfile/**/*.ts'], rules: forbid('llb', 'convert', 'gateway', 'cli', 'frontend') },
  { files: ['src/llb/**/*.ts'], rules: forbid('aikitfile', 'convert', 'gateway', 'cli', 'frontend') },
  { files: ['src/convert/**/*.ts'], rules: forbid('gateway', 'cli', 'frontend') },
  { files: ['src/gateway/**/*.ts'], rules: forbid('aikitfile', 'convert', 'cli', 'frontend') },
  { files: ['src/oci/**/*.ts'], rules: forbid('aikitfile', 'llb', 'convert', 'gateway', 'cli', 'frontend') },
  {
    files: ['src/util/**/*.ts'],
    rules: forbid('oci', 'aikitfile', 'llb', 'convert', 'gateway', 'cli', 'frontend'),
  },
  { files: ['src/cli/**/*.ts'], rules: { ...forbid('gateway', 'frontend'), 'no-console': 'off' } },
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
