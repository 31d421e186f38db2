import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createRootLogger, PinoNestLogger } from './logger.js';

function capture(level: string) {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createRootLogger(level, sink), lines };
}

describe(PinoNestLogger.name, () => {
  it('writes JSON lines with the Nest context as a field', () => {
    const { logger, lines } = capture('info');
    new PinoNestLogger(logger).log('principals loaded', 'PrincipalsStore');
    expect(lines[0]).toMatchObject({ level: 30, msg: 'principals loaded', context: 'PrincipalsStore' });
  });

  it('keeps an error stack and merges object messages', () => {
    const { logger, lines } = capture('info');
    const nest = new PinoNestLogger(logger);
    nest.error('boom', 'Error: boom\n    at somewhere (file.js:1:1)', 'Errors');
    nest.warn({ msg: 'slow upstream', operation: 'GetBucketReplication' });
    expect(lines[0]).toMatchObject({ level: 50, msg: 'boom', context: 'Errors' });
    expect(String(lines[0].stack)).toContain('at somewhere');
    expect(lines[1]).toMatchObject({ level: 40, msg: 'slow upstream', operation: 'GetBucketReplication' });
  });

  it('never writes credentials, whatever logs them', () => {
    const { logger, lines } = capture('info');
    logger.info({ req: { headers: { authorization: 'Bearer s3cr3t', 'x-api-key': 'k3y' } } }, 'request');
    logger.info({ oss: { accessKeySecret: 'oss-secret', securityToken: 'sts' } }, 'config');
    const text = JSON.stringify(lines);
    expect(text).not.toMatch(/s3cr3t|k3y|oss-secret|"sts"/);
  });

  it('honours LOG_LEVEL: silent writes nothing, warn drops info', () => {
    const silent = capture('silent');
    new PinoNestLogger(silent.logger).error('nothing');
    expect(silent.lines).toHaveLength(0);
    const warn = capture('warn');
    const nest = new PinoNestLogger(warn.logger);
    nest.log('dropped');
    nest.warn('kept');
    expect(warn.lines.map((l) => l.msg)).toEqual(['kept']);
  });
});
