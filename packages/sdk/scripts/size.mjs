// The core client's size as an app would ship it: src/index.ts bundled and minified by esbuild, then gzipped.
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const result = await build({ entryPoints: ['src/index.ts'], bundle: true, minify: true, format: 'esm', write: false, platform: 'neutral', target: 'es2022' });
const code = result.outputFiles[0].contents;
const gz = gzipSync(code, { level: 9 });
console.log(`core (src/index.ts): ${(code.length / 1024).toFixed(1)} KB minified, ${(gz.length / 1024).toFixed(1)} KB min+gzip`);
