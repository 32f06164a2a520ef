import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';
import { VitePWA } from 'vite-plugin-pwa';
import { CSP_META } from './scripts/csp.mjs';

const root = import.meta.dirname;
const WASM_DIR = resolve(root, 'node_modules/@tensorflow/tfjs-backend-wasm/dist');
/** Same-origin folder the tfjs WASM binaries are served from (never a CDN). */
const WASM_PUBLIC = 'tfjs-wasm';

const pkg = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')) as { version: string };

/**
 * The model cache is named after the manifest's `version` (a hash over every shipped file), so a
 * new model release never mixes with stale cached files; the app deletes older caches.
 * Prefix = MODEL_CACHE_PREFIX in src/models/manifest.ts.
 */
function modelCacheName(): string {
  const manifest = resolve(root, 'public/models/manifest.json');
  const version = existsSync(manifest)
    ? String((JSON.parse(readFileSync(manifest, 'utf8')) as { version?: string }).version ?? 'none')
    : 'none';
  return `paplens-models-${version}`;
}

/** Copies tfjs-backend-wasm's .wasm files into the build (and serves them in dev). */
function tfjsWasm(): Plugin {
  const files = () => readdirSync(WASM_DIR).filter((f) => f.endsWith('.wasm'));
  return {
    name: 'paplens-tfjs-wasm',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const prefix = `/${WASM_PUBLIC}/`;
        if (!req.url?.startsWith(prefix)) return next();
        const name = req.url.slice(prefix.length).split('?')[0];
        if (!files().includes(name)) return next();
        res.setHeader('Content-Type', 'application/wasm');
        res.end(readFileSync(join(WASM_DIR, name)));
      });
    },
    generateBundle() {
      for (const f of files()) {
        this.emitFile({
          type: 'asset',
          fileName: `${WASM_PUBLIC}/${f}`,
          source: readFileSync(join(WASM_DIR, f)),
        });
      }
    },
  };
}

/** Put the CSP into the built index.html too (not in dev: Vite's dev client uses inline code). */
function cspMeta(): Plugin {
  return {
    name: 'paplens-csp-meta',
    apply: 'build',
    transformIndexHtml: () => [
      {
        tag: 'meta',
        attrs: { 'http-equiv': 'Content-Security-Policy', content: CSP_META },
        injectTo: 'head-prepend',
      },
    ],
  };
}

const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  define: {
    __APP_VERSION__: JSON.stringify(pkg.version),
    __MODEL_CACHE__: JSON.stringify(modelCacheName()),
    __WASM_PATH__: JSON.stringify(WASM_PUBLIC),
  },
  plugins: [
    react(),
    tfjsWasm(),
    cspMeta(),
    VitePWA({
      registerType: 'prompt',
      // Registered from our own code (virtual:pwa-register): no inline script, CSP stays strict.
      injectRegister: false,
      includeAssets: ['favicon.svg'],
      manifest: {
        name: 'PapLens — cervical cytology assistant',
        short_name: 'PapLens',
        description:
          'Nucleus segmentation and Bethesda-class probabilities for Pap-smear images, computed entirely on this device.',
        theme_color: '#1f4e79',
        background_color: '#f7f9fc',
        display: 'standalone',
        icons: [{ src: 'favicon.svg', sizes: 'any', type: 'image/svg+xml', purpose: 'any' }],
      },
      workbox: {
        globPatterns: ['**/*.{js,css,html,wasm,svg,webmanifest}'],
        // Model files are runtime-cached below (they can be large and change independently).
        globIgnores: ['models/**'],
        maximumFileSizeToCacheInBytes: 40 * 1024 * 1024,
        cleanupOutdatedCaches: true,
        clientsClaim: true,
        navigateFallbackDenylist: [/^\/models\//, /^\/tfjs-wasm\//],
        runtimeCaching: [
          {
            urlPattern: /\/models\//,
            handler: 'CacheFirst',
            options: {
              cacheName: modelCacheName(),
              cacheableResponse: { statuses: [200] },
            },
          },
        ],
      },
    }),
  ],
  worker: {
    format: 'es',
    // tfjs-backend-wasm's threaded build stringifies its Emscripten factory into a blob for the
    // pthread workers; minifying renames or folds the factory's free variable (_scriptDir) and the
    // threads then fail with "_scriptDir is not defined". So the worker bundle is not minified
    // (the page bundle still is; the worker is precached once for offline use anyway).
    rolldownOptions: { output: { minify: false } },
  },
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 4000,
    sourcemap: false,
  },
  server: { headers: isolationHeaders, host: '127.0.0.1' },
  preview: { headers: isolationHeaders, host: '127.0.0.1' },
});
