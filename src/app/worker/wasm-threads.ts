/** How many WASM threads tfjs runs with in the app (pure: unit-tested without a browser). */

/**
 * Threads tfjs-backend-wasm 4.22 gives its XNNPACK pool here: half the cores, one without
 * cross-origin isolation. With one, the threaded build would only add its idle pthread workers
 * (8 of them), so the plain SIMD build is loaded instead (docs/PERFORMANCE.md).
 */
export function wasmThreadsGranted(isolated: boolean, cores: number): number {
  return isolated ? Math.max(1, Math.floor(cores / 2)) : 1;
}

/**
 * Threads the analysis worker runs tfjs's WASM backend with. Beside segmentation tile workers,
 * tfjs's own choice (half the cores): a second thread there made a field slower, the crops' small
 * CNN passes fighting the helpers for the cores. Without tile workers (a device under 4 GB, or
 * ?segWorkers=0) the network would leave the other cores idle, so it gets up to 4 threads, as
 * `paplens analyze` of one file does in Node (docs/PERFORMANCE.md, "WASM threads without tile
 * workers").
 */
export function wasmThreadsWanted(isolated: boolean, cores: number, tileWorkers: number): number {
  if (!isolated) return 1;
  return tileWorkers > 0 ? wasmThreadsGranted(isolated, cores) : Math.max(1, Math.min(4, cores));
}
