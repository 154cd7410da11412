import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The lab OS serves dist/ at / under a strict CSP (script-src 'self', no inline script or style):
// Vite's output is external module scripts and stylesheets only, and the module-preload polyfill is off
// because every browser the lab supports has modulepreload.
export default defineConfig({
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
  },
  server: { proxy: { '/api': 'http://127.0.0.1:8001', '/auth': 'http://127.0.0.1:8001' } },
});
