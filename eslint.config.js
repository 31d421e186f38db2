// @ts-check
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

/** Frameworks are imported through their package entry points only, never their internal files. */
const frameworkDeepImports = {
  group: ['@nestjs/*/**', 'class-transformer/**', 'class-validator/**'],
  message: 'Import the framework through its package entry point, not its internal files.',
};

export default tseslint.config(
  { ignores: ['dist/**', 'dist-bench/**', 'node_modules/**', 'coverage/**', 'test-results/**', 'data/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  prettier,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/require-await': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/consistent-type-imports': [
        'error',
        { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-extraneous-class': 'off',
      eqeqeq: ['error', 'always'],
      curly: ['error', 'all'],
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Read the environment only in src/config/.' },
      ],
      'no-restricted-imports': ['error', { patterns: [frameworkDeepImports] }],
    },
  },
  {
    // Handler inputs are declared with the pipeline's decorators, so they are validated before authorization.
    files: ['src/**/*.ts'],
    ignores: ['src/request/nest/input.decorators.ts', 'src/**/*.spec.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: '@nestjs/common',
              importNames: ['Body', 'Param', 'Query'],
              message: 'Use Body/Param/Query from src/request/nest/input.decorators.ts.',
            },
            {
              name: '@nestjs/graphql',
              importNames: ['Args'],
              message: 'Use Args from src/request/nest/input.decorators.ts.',
            },
          ],
          patterns: [frameworkDeepImports],
        },
      ],
    },
  },
  {
    // Decorated Nest classes are referenced by metadata: type-only imports would erase them.
    files: ['src/**/*.ts'],
    ignores: ['src/auth/ram/**', 'src/oss/**', 'src/emulator/**'],
    rules: { '@typescript-eslint/consistent-type-imports': 'off' },
  },
  // src/oss is a library that knows nothing of the gateway (DESIGN §5): no Nest, and no import that
  // climbs out of src/oss (its specs may read the OSS fixtures under test/fixtures/oss). One block per
  // folder depth, since the climb is spelled relative to the importing file.
  ...['src/oss/*.ts', 'src/oss/*/*.ts', 'src/oss/*/*/*.ts'].map((files, depth) => ({
    files: [files],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@nestjs/*'], message: 'src/oss stays free of Nest.' },
            frameworkDeepImports,
            {
              regex: `^(\\.\\./){${depth + 1}}(?!\\.\\./test/fixtures/oss/)`,
              message:
                'src/oss imports nothing from outside src/oss: the gateway imports from it, not the reverse.',
            },
          ],
        },
      ],
    },
  })),
  {
    files: ['src/auth/ram/**/*.ts', 'src/emulator/**/*.ts', 'src/request/*.ts', 'src/request/stages/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@nestjs/*'], message: 'This layer stays free of Nest.' },
            frameworkDeepImports,
          ],
        },
      ],
    },
  },
  {
    files: [
      'src/config/**/*.ts',
      'test/**/*.ts',
      'bench/**/*.ts',
      'src/emulator/main.ts',
      'vitest.config.ts',
    ],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    files: ['**/*.spec.ts', '**/*.e2e-spec.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  { files: ['eslint.config.js'], ...tseslint.configs.disableTypeChecked },
);
