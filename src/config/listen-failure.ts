/**
 * The one line the process prints when it cannot listen on HOST:PORT for a reason the operator can
 * fix; undefined for any other error (which keeps its stack trace).
 */
export function listenFailureMessage(error: unknown, host: string, port: number): string | undefined {
  const code = (error as NodeJS.ErrnoException | null | undefined)?.code;
  if (code === 'EADDRINUSE') {
    return `cannot start the gateway: port ${port} on ${host} is already in use (EADDRINUSE); set PORT to a free port (or 0 for any)`;
  }
  if (code === 'EACCES') {
    return `cannot start the gateway: no permission to listen on port ${port} on ${host} (EACCES); set PORT to 1024 or above`;
  }
  if (code === 'EADDRNOTAVAIL') {
    return `cannot start the gateway: ${host} is not an address of this machine (EADDRNOTAVAIL); set HOST to one of its addresses, 127.0.0.1 or 0.0.0.0`;
  }
  return undefined;
}
