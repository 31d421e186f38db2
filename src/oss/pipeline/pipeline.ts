import type { HttpRequestSpec, OssHttpResponse } from '../operations/operation.js';

/** One call travelling through the pipeline. */
export interface PipelineContext {
  spec: HttpRequestSpec;
  /** Region id the request is signed for and addressed to. */
  region: string;
  signal?: AbortSignal;
  /** Set by the retry middleware: 1, 2, … */
  attempt: number;
  /** Set by the retry middleware: time left for this attempt. */
  timeoutMs: number;
  /** Set by the sign middleware: a fresh, signed copy of `spec.headers` for this attempt. */
  headers: Record<string, string>;
}

export type Handler = (ctx: PipelineContext) => Promise<OssHttpResponse>;
export type Middleware = (next: Handler) => Handler;

/**
 * Composes middlewares around a terminal handler; the first middleware is the outermost.
 * The client uses the fixed order retry → sign → check-response → transport.
 */
export function composePipeline(middlewares: readonly Middleware[], terminal: Handler): Handler {
  return middlewares.reduceRight<Handler>((next, middleware) => middleware(next), terminal);
}

/** Debug logging hook; never receives secrets. */
export interface OssLogger {
  debug(message: string, data?: Record<string, unknown>): void;
}
