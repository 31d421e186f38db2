import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'application/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png',
  '.json': 'application/json; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
};

/** One file served from memory: read once at start-up, compressed on first use. */
export interface StaticAsset {
  contentType: string;
  body: Buffer;
  etag: string;
  gzipped?: Buffer;
}

const require = createRequire(import.meta.url);

/** The directory of an installed package (resolved through its package.json, never a CDN). */
export function packageDir(name: string, from: string = import.meta.url): string {
  return dirname(createRequire(from).resolve(`${name}/package.json`));
}

/** Directory of `swagger-ui-dist`, resolved the way `@nestjs/swagger` itself resolves it. */
export function swaggerUiDistDir(): string {
  return packageDir('swagger-ui-dist', require.resolve('@nestjs/swagger'));
}

export function assetFromBuffer(body: Buffer, contentType: string): StaticAsset {
  return {
    contentType,
    body,
    etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
  };
}

export function assetFromFile(path: string): StaticAsset {
  const contentType = CONTENT_TYPES[extname(path)] ?? 'application/octet-stream';
  return assetFromBuffer(readFileSync(path), contentType);
}

/** Maps URL paths (`/graphql/playground/static/js/middleware.js`) to files under `root`. */
export function assetsFrom(
  root: string,
  urlPrefix: string,
  files: readonly string[],
): Map<string, StaticAsset> {
  return new Map(files.map((file) => [`${urlPrefix}/${file}`, assetFromFile(join(root, file))]));
}

function acceptsGzip(req: FastifyRequest): boolean {
  const accept = req.headers['accept-encoding'];
  return typeof accept === 'string' && /\bgzip\b/.test(accept);
}

/**
 * Registers one raw Fastify GET route per asset. These routes never reach a Nest handler, so the
 * global guard and the permission snapshot do not see them; they serve fixed files only.
 */
export function serveAssets(
  fastify: FastifyInstance,
  assets: ReadonlyMap<string, StaticAsset>,
  headers: Record<string, string> = {},
): void {
  for (const [url, asset] of assets) {
    fastify.get(url, (req: FastifyRequest, reply: FastifyReply) => {
      void reply
        .headers(headers)
        .header('cache-control', 'public, max-age=3600')
        .header('etag', asset.etag)
        .header('x-content-type-options', 'nosniff')
        .header('vary', 'accept-encoding')
        .type(asset.contentType);
      if (req.headers['if-none-match'] === asset.etag) {
        return reply.code(304).send();
      }
      if (asset.body.length > 1024 && acceptsGzip(req)) {
        asset.gzipped ??= gzipSync(asset.body);
        return reply.header('content-encoding', 'gzip').send(asset.gzipped);
      }
      return reply.send(asset.body);
    });
  }
}

/** The documentation pages' Content-Security-Policy: same-origin everything, with extra script sources. */
export function docsContentSecurityPolicy(scriptSources: readonly string[] = []): string {
  return [
    "default-src 'self'",
    ["script-src 'self'", ...scriptSources].join(' '),
    // The UIs inject <style> elements at run time.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}
