/// <reference types="vite/client" />
/// <reference types="vite-plugin-pwa/client" />

/** package.json version, injected by vite.config.ts. */
declare const __APP_VERSION__: string;
/** Versioned Cache Storage name for model files (changes with public/models/manifest.json). */
declare const __MODEL_CACHE__: string;
/** Same-origin folder with the tfjs WASM binaries. */
declare const __WASM_PATH__: string;
