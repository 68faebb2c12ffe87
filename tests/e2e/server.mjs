// A tiny static server for dist/ on 127.0.0.1 with cross-origin isolation headers (COOP/COEP),
// or, with { isolated: false } / --no-isolation, without them, as a plain static host serves.
// Usage: node server.mjs <dist-dir> [port] [--no-isolation]
//   (port 0 = any free port; prints "listening <url>")
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve } from 'node:path';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.npy': 'application/octet-stream',
  '.bvecs': 'application/octet-stream',
};

export function serve(root, port = 0, { isolated = true } = {}) {
  const base = resolve(root);
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    let path = normalize(join(base, decodeURIComponent(url.pathname)));
    if (!path.startsWith(base)) {
      res.writeHead(403).end();
      return;
    }
    try {
      if ((await stat(path)).isDirectory()) path = join(path, 'index.html');
      const body = await readFile(path);
      const isolation = isolated
        ? {
            'Cross-Origin-Opener-Policy': 'same-origin',
            'Cross-Origin-Embedder-Policy': 'require-corp',
            'Cross-Origin-Resource-Policy': 'same-origin',
          }
        : {};
      res.writeHead(200, {
        'Content-Type': TYPES[extname(path)] ?? 'application/octet-stream',
        ...isolation,
        'Cache-Control': 'no-store',
      });
      res.end(body);
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  return new Promise((ok) => server.listen(port, '127.0.0.1', () => ok(server)));
}

if (process.argv[1] && process.argv[1].endsWith('server.mjs')) {
  const args = process.argv.slice(2).filter((a) => a !== '--no-isolation');
  const isolated = !process.argv.includes('--no-isolation');
  const server = await serve(args[0] ?? '../../dist', Number(args[1] ?? 0), { isolated });
  console.log(`listening http://127.0.0.1:${server.address().port}/`);
}
