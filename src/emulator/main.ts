import { ConfigValidationError } from '../config/env.schema.js';
import { startStandaloneEmulator } from './standalone.js';

/** Exit code of a start-up refused for its configuration (sysexits EX_CONFIG), as the gateway's. */
const EX_CONFIG = 78;

/** `npm run emulator`: starts the OSS emulator alone and prints endpoint, regions, seeded buckets and credentials. */
async function main(): Promise<void> {
  let emulator;
  try {
    emulator = await startStandaloneEmulator(process.env, (line) => console.log(line));
  } catch (err) {
    if (err instanceof ConfigValidationError) {
      console.error(err.message);
      process.exit(EX_CONFIG);
    }
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      console.error(
        `Cannot start the OSS emulator: the address is in use (set EMULATOR_PORT to a free port, or 0 for any)`,
      );
      process.exit(1);
    }
    throw err;
  }
  const stop = (): void => {
    void emulator.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

void main();
