// Type-aware lint: floating promises are bugs here (a lost rejection hides a failed write).
import tseslint from 'typescript-eslint';

const NO_VSCODE = {
  name: 'vscode',
  message: 'Pure code does not import vscode: keep editor glue in a vscode/ folder or src/*/register.ts.',
};

export default tseslint.config(
  {
    ignores: [
      'out/**',
      'dist/**',
      'node_modules/**',
      'test/fixtures/**',
      'samples/**',
      'bench/.corpus/**',
      '**/*.js',
      '**/*.mjs',
    ],
  },
  ...tseslint.configs.recommended,
  {
    files: ['src/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    languageOptions: { parserOptions: { project: './tsconfig.json', tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  // Boundaries. Pure code never imports `vscode`: detection, the API contract and its client,
  // the deploy core, the local cloud, the shared helpers and the command line.
  {
    files: [
      'src/lint/engine/**/*.ts',
      'src/lint/*.ts',
      'src/deploy/*.ts',
      'src/api/**/*.ts',
      'src/shared/**/*.ts',
      'src/cloud/client.ts',
      'src/cloud/roles.ts',
      'src/project/projectFile.ts',
      'src/cli/**/*.ts',
      'src/constants.ts',
    ],
    rules: {
      'no-restricted-imports': ['error', { paths: [NO_VSCODE] }],
    },
  },
  // The local cloud is a server of its own: it speaks the API contract and uses the shared
  // helpers and the engine it needs, never the editor's or the client's code.
  {
    files: ['src/localCloud/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [NO_VSCODE],
          patterns: [
            {
              group: [
                '**/cloud/*',
                '**/keys/*',
                '**/project/*',
                '**/ui/*',
                '**/cli/*',
                '**/lint/vscode/*',
                '**/deploy/*',
                '**/constants',
                '**/extension',
              ],
              message: 'The local cloud imports only src/api, src/shared and the engine it needs.',
            },
          ],
        },
      ],
    },
  },
);
