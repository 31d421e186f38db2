import { describe, expect, it } from 'vitest';
import { listenFailureMessage } from './listen-failure.js';

function errno(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`listen ${code}`), { code });
}

describe(listenFailureMessage.name, () => {
  it('names the port, the host and the variable to change when the port is taken', () => {
    expect(listenFailureMessage(errno('EADDRINUSE'), '127.0.0.1', 3000)).toBe(
      'cannot start the gateway: port 3000 on 127.0.0.1 is already in use (EADDRINUSE); set PORT to a free port (or 0 for any)',
    );
  });

  it('explains a privileged port and a HOST that is not on this machine', () => {
    expect(listenFailureMessage(errno('EACCES'), '0.0.0.0', 80)).toMatch(/port 80 .*\(EACCES\); set PORT/);
    expect(listenFailureMessage(errno('EADDRNOTAVAIL'), '10.9.9.9', 3000)).toMatch(
      /^cannot start the gateway: 10\.9\.9\.9 is not an address of this machine \(EADDRNOTAVAIL\); set HOST/,
    );
  });

  it('leaves any other error alone (it keeps its stack trace)', () => {
    expect(listenFailureMessage(errno('EIO'), '127.0.0.1', 3000)).toBeUndefined();
    expect(listenFailureMessage(new Error('boom'), '127.0.0.1', 3000)).toBeUndefined();
    expect(listenFailureMessage(undefined, '127.0.0.1', 3000)).toBeUndefined();
  });
});
