import { defineConfig } from 'tsup';

// ESM and CJS with declarations; jose stays external (a peer dependency of the ./tokens entry only).
export default defineConfig({
  entry: { index: 'src/index.ts', tokens: 'src/tokens.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  target: 'es2022',
  platform: 'neutral',
  external: ['jose'],
  sourcemap: false,
});
