import { pathToFileURL } from 'node:url';
import {
  type AuditChainFailure,
  type AuditVerificationReport,
  verifyAuditChains,
} from '../src/audit/audit-chain.js';
import { KyselyAuditStore } from '../src/audit/store/kysely-audit-store.js';
import { redactDatabaseUrl } from '../src/audit/store/database-url.js';

const USAGE = 'usage: npm run audit:verify -- <DATABASE_URL> [--json]';

/** Exit codes: 0 every chain verified, 1 a chain does not match, 2 usage or the store cannot be read. */
export const EXIT_VALID = 0;
export const EXIT_MISMATCH = 1;
export const EXIT_ERROR = 2;

function describeFailure(f: AuditChainFailure): string {
  const event = f.eventId !== undefined ? `event ${f.eventId}` : 'no event';
  return `${event} (instance ${f.instanceId}, seq ${f.seq}): ${f.reason} — ${f.detail}`;
}

function lines(target: string, report: AuditVerificationReport): string[] {
  const out = [`audit trail in ${target}, verified at ${report.verifiedAt.toISOString()}`];
  for (const chain of report.chains) {
    const range =
      chain.firstSeq !== undefined
        ? `seq ${chain.firstSeq}..${chain.lastSeq} (${chain.events} events)`
        : 'no events';
    const from = chain.checkpoint ? `, from checkpoint seq ${chain.checkpoint.seq}` : '';
    out.push(
      chain.failure
        ? `  chain ${chain.instanceId}: MISMATCH ${describeFailure(chain.failure)}`
        : `  chain ${chain.instanceId}: ok, ${range}${from}${chain.headHash ? `, head ${chain.headHash}` : ''}`,
    );
  }
  if (report.unchainedEvents > 0) {
    out.push(`  ${report.unchainedEvents} events from before the chain existed (not verifiable)`);
  }
  out.push(
    report.firstFailure
      ? `MISMATCH: first ${describeFailure(report.firstFailure)}`
      : `OK: ${report.chains.length} chains, ${report.eventsVerified} events verified`,
  );
  return out;
}

/**
 * `npm run audit:verify -- <DATABASE_URL> [--json]`: recomputes every hash chain in the audit store
 * (read-only; nothing is migrated or written) and names the first event that does not match.
 */
export async function runAuditVerify(
  args: readonly string[],
  write: (text: string) => void,
): Promise<number> {
  const json = args.includes('--json');
  const urls = args.filter((a) => a !== '--json');
  if (urls.length !== 1 || urls[0].startsWith('-')) {
    write(`${USAGE}\n`);
    return EXIT_ERROR;
  }
  const url = urls[0];
  let store: KyselyAuditStore;
  try {
    store = KyselyAuditStore.open(url, { readOnly: true, poolSize: 1 });
  } catch (error) {
    write(
      `cannot open ${redactDatabaseUrl(url)}: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    return EXIT_ERROR;
  }
  try {
    const report = await verifyAuditChains(store);
    write(json ? `${JSON.stringify(report, null, 2)}\n` : `${lines(store.description, report).join('\n')}\n`);
    return report.valid ? EXIT_VALID : EXIT_MISMATCH;
  } catch (error) {
    write(
      `cannot read the audit trail in ${store.description}: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    return EXIT_ERROR;
  } finally {
    await store.close().catch(() => undefined);
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runAuditVerify(process.argv.slice(2), (text) => process.stdout.write(text)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = EXIT_ERROR;
    },
  );
}
