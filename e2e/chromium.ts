/** How every browser run here launches Debian's Chromium (Playwright never downloads one). */
export const CHROMIUM_PATH = process.env.PAPLENS_CHROMIUM ?? '/usr/bin/chromium';

/** Flags for a closed-network, sandbox-less CI machine; WebGPU only with the unsafe flag. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--enable-unsafe-webgpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
