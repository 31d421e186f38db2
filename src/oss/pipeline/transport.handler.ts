import type { EndpointResolver } from '../endpoint.js';
import type { HttpTransport } from '../transport/http-transport.js';
import type { Handler } from './pipeline.js';

/** Terminal handler: addresses the signed request and hands it to the transport. */
export function transportHandler(endpoint: EndpointResolver, transport: HttpTransport): Handler {
  return (ctx) => {
    const url = endpoint.resolve({
      bucket: ctx.spec.bucket,
      key: ctx.spec.key,
      query: ctx.spec.query,
      region: ctx.region,
    });
    return transport.send(
      {
        method: ctx.spec.method,
        origin: url.origin,
        path: url.path,
        headers: ctx.headers,
        body: ctx.spec.body,
      },
      { signal: ctx.signal, timeoutMs: ctx.timeoutMs },
    );
  };
}
