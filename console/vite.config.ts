import tailwindcss from '@tailwindcss/vite';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Built to console/dist and served by Roster at /console (src/console/console.ts): hashed assets, no inline
// script (the CSP forbids it), nothing loaded from elsewhere.
export default defineConfig({
  root: import.meta.dirname,
  base: '/console/',
  plugins: [react(), tailwindcss()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
    // The entry chunk is ~560 kB raw (~170 kB gzip), under the 300 kB gzip budget; screens used less often are
    // lazy routes (router.tsx) in chunks of their own.
    chunkSizeWarningLimit: 800,
  },
  logLevel: 'warn',
});
