import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OssClientError } from '../errors.js';
import { UndiciTransport } from './http-transport.js';

type Handler = (req: IncomingMessage, res: ServerResponse, body: Buffer) => void;

describe(UndiciTransport.name, () => {
  let server: Server;
  let origin: string;
  let handler: Handler = (_req, res) => res.end();
  const transport = new UndiciTransport({
    connectTimeoutMs: 1000,
    requestTimeoutMs: 2000,
    maxResponseBytes: 1024,
  });

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => handler(req, res, Buffer.concat(chunks)));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await transport.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  async function failureCode(promise: Promise<unknown>): Promise<string> {
    try {
      await promise;
    } catch (error) {
      if (error instanceof OssClientError) {
        return error.code;
      }
      throw error;
    }
    throw new Error('expected a failure');
  }

  it('sends method, path, headers and body and returns lower-case headers', async () => {
    handler = (req, res, body) => {
      res.setHeader('X-OSS-Request-Id', 'RID');
      res.setHeader('Set-Cookie', ['a=1', 'b=2']);
      res.end(`${req.method} ${req.url} ${req.headers['content-type']} ${body.toString()}`);
    };
    const res = await transport.send({
      method: 'POST',
      origin,
      path: '/b/?replication&comp=add',
      headers: { 'Content-Type': 'application/xml' },
      body: '<x/>',
    });
    expect(res.status).toBe(200);
    expect(res.headers['x-oss-request-id']).toBe('RID');
    expect(res.headers['set-cookie']).toBe('a=1, b=2');
    expect(res.body.toString()).toBe('POST /b/?replication&comp=add application/xml <x/>');
  });

  it('reuses keep-alive connections for consecutive requests', async () => {
    handler = (req, res) => res.end(String(req.socket.remotePort));
    let connections = 0;
    const onConnection = (): void => {
      connections += 1;
    };
    server.on('connection', onConnection);
    const ports = new Set<string>();
    for (let i = 0; i < 10; i++) {
      ports.add((await transport.send({ method: 'GET', origin, path: '/', headers: {} })).body.toString());
    }
    server.off('connection', onConnection);
    // A socket released by the previous test may race with a new one; never one socket per request.
    expect(connections).toBeLessThanOrEqual(2);
    expect(ports.size).toBeLessThanOrEqual(3);
  });

  it('fails with Timeout when no complete response arrives in time', async () => {
    handler = () => undefined; // never answers
    expect(
      await failureCode(transport.send({ method: 'GET', origin, path: '/', headers: {} }, { timeoutMs: 50 })),
    ).toBe('Timeout');
  });

  it('fails with Aborted when the caller aborts, before or during the exchange', async () => {
    handler = () => undefined;
    const controller = new AbortController();
    const pending = transport.send(
      { method: 'GET', origin, path: '/', headers: {} },
      { signal: controller.signal },
    );
    setImmediate(() => controller.abort());
    expect(await failureCode(pending)).toBe('Aborted');
    expect(
      await failureCode(
        transport.send({ method: 'GET', origin, path: '/', headers: {} }, { signal: AbortSignal.abort() }),
      ),
    ).toBe('Aborted');
  });

  it('fails with Timeout while the request still waits for a free connection, and the pool recovers', async () => {
    const single = new UndiciTransport({
      connectTimeoutMs: 1000,
      requestTimeoutMs: 2000,
      connectionsPerOrigin: 1,
    });
    try {
      handler = () => undefined; // holds the only connection
      const holding = single.send({ method: 'GET', origin, path: '/hold', headers: {} }, { timeoutMs: 200 });
      const queued = single.send({ method: 'GET', origin, path: '/queued', headers: {} }, { timeoutMs: 20 });
      expect(await failureCode(queued)).toBe('Timeout');
      expect(await failureCode(holding)).toBe('Timeout');
      handler = (_req, res) => res.end('again');
      const res = await single.send({ method: 'GET', origin, path: '/', headers: {} });
      expect(res.body.toString()).toBe('again');
    } finally {
      await single.close();
    }
  });

  it('joins a body that arrives in several chunks and reports repeated headers once, joined', async () => {
    handler = (_req, res) => {
      res.setHeader('X-Part', ['one', 'two']);
      res.write('<a>');
      setImmediate(() => res.end('</a>'));
    };
    const res = await transport.send({ method: 'GET', origin, path: '/', headers: {} });
    expect(res.body.toString()).toBe('<a></a>');
    expect(res.headers['x-part']).toBe('one, two');
  });

  it('fails with NetworkError when the server resets the connection', async () => {
    handler = (req) => req.socket.destroy();
    expect(await failureCode(transport.send({ method: 'GET', origin, path: '/', headers: {} }))).toBe(
      'NetworkError',
    );
  });

  it('fails with NetworkError when nothing listens', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    expect(
      await failureCode(
        transport.send({ method: 'GET', origin: `http://127.0.0.1:${port}`, path: '/', headers: {} }),
      ),
    ).toBe('NetworkError');
  });

  it('refuses responses larger than the configured cap', async () => {
    handler = (_req, res) => res.end(Buffer.alloc(4096, 'a'));
    expect(await failureCode(transport.send({ method: 'GET', origin, path: '/', headers: {} }))).toBe(
      'MalformedResponse',
    );
  });
});
