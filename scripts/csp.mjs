// The app's Content-Security-Policy, shared by scripts/serve.mjs (HTTP header) and vite.config.ts
// (a <meta> copy in the built index.html, so any static host still enforces it).
// 'wasm-unsafe-eval': tfjs-backend-wasm compiles WebAssembly. blob: (script + worker): its threaded
// build spawns pthread workers that importScripts() its inlined Emscripten glue from a blob URL the
// app itself creates. Nothing may come from, or go to, another origin.
export const CSP_DIRECTIVES = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval' blob:",
  "worker-src 'self' blob:",
  "style-src 'self'",
  "img-src 'self' blob: data:",
  "connect-src 'self'",
  "font-src 'self'",
  "manifest-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'none'",
];

/** Header form: adds what only a header can carry. */
export const CSP_HEADER = [...CSP_DIRECTIVES, "frame-ancestors 'none'"].join('; ');

/** <meta> form (browsers ignore frame-ancestors there and warn about it). */
export const CSP_META = CSP_DIRECTIVES.join('; ');
