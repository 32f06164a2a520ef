#!/usr/bin/env node
// Tiny static server for the built app (dist/). No dependencies: node:http only.
// Sends COOP/COEP so the page is cross-origin isolated (SharedArrayBuffer → WASM threads)
// and a strict Content-Security-Policy: nothing may be loaded from, or sent to, another origin.
import { createServer } from 'node:http';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CSP_HEADER } from './csp.mjs';

const ROOT = resolve(
  fileURLToPath(new URL('..', import.meta.url)),
  process.env.PAPLENS_DIST ?? 'dist',
);
const HOST = process.env.HOST ?? '127.0.0.1';
const PORT = Number(process.env.PORT ?? 5173);

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.bin': 'application/octet-stream',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

// The policy lives in csp.mjs (shared with the <meta> copy in the built index.html).
const CSP = CSP_HEADER;

const SECURITY_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Content-Security-Policy': CSP,
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=()',
};

function resolvePath(urlPath) {
  let p;
  try {
    p = decodeURIComponent(urlPath.split('?')[0].split('#')[0]);
  } catch {
    return null;
  }
  const full = normalize(join(ROOT, p));
  // Refuse anything that escapes dist/ (../ tricks).
  if (full !== ROOT && !full.startsWith(ROOT + sep)) return null;
  return full;
}

function cacheControl(path) {
  // Hashed build assets never change; everything else (index.html, sw.js, models) is revalidated.
  if (path.includes(`${sep}assets${sep}`)) return 'public, max-age=31536000, immutable';
  return 'no-cache';
}

function send(res, status, body, type = 'text/plain; charset=utf-8') {
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': type, 'Cache-Control': 'no-cache' });
  res.end(body);
}

function serveFile(req, res, path) {
  const st = statSync(path);
  const headers = {
    ...SECURITY_HEADERS,
    'Content-Type': MIME[extname(path).toLowerCase()] ?? 'application/octet-stream',
    'Content-Length': st.size,
    'Cache-Control': cacheControl(path),
    'Last-Modified': st.mtime.toUTCString(),
  };
  if (
    req.headers['if-modified-since'] &&
    new Date(req.headers['if-modified-since']) >= new Date(st.mtime.toUTCString())
  ) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  res.writeHead(200, headers);
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  createReadStream(path).pipe(res);
}

if (!existsSync(join(ROOT, 'index.html'))) {
  console.error(
    `No built app in ${ROOT}. Run "npm run build" first (or "npm start", which builds).`,
  );
  process.exit(1);
}

const server = createServer((req, res) => {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    send(res, 405, 'Method not allowed');
    return;
  }
  const path = resolvePath(req.url ?? '/');
  if (!path) {
    send(res, 400, 'Bad request');
    return;
  }
  if (existsSync(path) && statSync(path).isFile()) {
    serveFile(req, res, path);
    return;
  }
  const indexInDir = join(path, 'index.html');
  if (existsSync(indexInDir)) {
    serveFile(req, res, indexInDir);
    return;
  }
  // SPA fallback for page routes only; a missing asset or model file must be a real 404.
  const ext = extname(path);
  const accept = req.headers.accept ?? '';
  if (!ext && accept.includes('text/html')) {
    serveFile(req, res, join(ROOT, 'index.html'));
    return;
  }
  send(res, 404, 'Not found');
});

server.on('error', (err) => {
  if (err.code === 'EADDRINUSE')
    console.error(`Port ${PORT} is in use; set PORT to another port, e.g. PORT=5174 npm start`);
  else console.error(err.message);
  process.exit(1);
});

server.listen(PORT, HOST, () => {
  console.log(`PapLens is running at http://${HOST}:${PORT}/  (Ctrl+C to stop)`);
});
