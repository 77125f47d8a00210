/// <reference types="vitest/config" />
import { defineConfig } from 'vite'

// The page is served by the tavolo binary (web/dist is embedded in it). For development,
// `TAVOLO_URL=http://127.0.0.1:8080 npm run dev` proxies the sync socket to a running server.
const tavolo = process.env.TAVOLO_URL ?? 'http://127.0.0.1:8080'

export default defineConfig({
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  server: {
    proxy: {
      '/sync': { target: tavolo, ws: true, changeOrigin: true }
    }
  },
  build: { target: 'es2020', sourcemap: true },
  test: {
    include: ['src/**/*.test.ts', 'src/**/*.test.tsx'],
    environment: 'node'
  }
})
