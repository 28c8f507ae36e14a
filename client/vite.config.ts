import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// In development the dashboard is served by Vite and talks to the api on SLIPWAY_API_PORT.
const api = `http://127.0.0.1:${process.env.SLIPWAY_API_PORT ?? 5000}`;

export default defineConfig({
  plugins: [react()],
  server: {
    proxy: Object.fromEntries(['/api', '/apps', '/account', '/oauth', '/log-sessions', '/healthz'].map((p) => [p, { target: api, changeOrigin: false }])),
  },
  build: { outDir: 'dist', sourcemap: true },
});
