/// <reference types="vitest/config" />
import { defineConfig } from 'vite';

// The API serves the build at /app (src/TrialManager.Api/wwwroot/app), fingerprinted and compressed by MapStaticAssets.
export default defineConfig({
  base: '/app/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: '../TrialManager.Api/wwwroot/app',
    emptyOutDir: true,
    // Files are fingerprinted by the API's static assets; Vite's own hashes keep long caching safe as well.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    target: 'es2022',
  },
  // `npm run dev`: the API of deploy/local/start.sh behind the dev server, so cookies stay same-origin.
  server: { proxy: { '/api': process.env.TRIALMANAGER_URL ?? 'http://127.0.0.1:5080' } },
  test: {
    environment: 'happy-dom',
    include: ['src/**/*.test.{ts,tsx}'],
  },
});
