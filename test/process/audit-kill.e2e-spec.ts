import { randomBytes, randomInt } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../src/audit/audit-event.js';
import { seedDemoWithOwnClient } from '../../src/emulator/demo-seed.js';
import { type Emulator, startEmulator } from '../../src/emulator/emulator-server.js';
import {
  type AuditBackend,
  auditBackendNames,
  createAuditBackend,
  durabilityCallers,
  RTC_PATH,
  RULES_PATH,
} from '../fixtures/audit-durability.js';
import { type PrincipalsFile, writePrincipalsFile } from '../fixtures/principals.js';
import { emulatorEnv } from '../utils/create-test-app.js';
import { buildGateway, PROCESS_TEST_ENV, startGateway } from '../utils/gateway-process.js';

/**
 * DESIGN §10: a process killed at any moment loses no event of a mutation whose answer a client saw.
 * The gateway runs as a real process (upstream mode, against an emulator in this process); clients
 * send a mix of reads, dry runs and real RTC changes; the process is killed with SIGKILL at a random
 * moment; then the store (opened anew) must hold the decision and the OSS-call event of every
 * mutation that was answered, and a committed decision for every write OSS received.
 */

const ROUNDS = 3;
const CLIENTS = 6;

type Kind = 'read' | 'dry-run' | 'mutation';

interface Answered {
  requestId: string;
  kind: Kind;
  status: number;
}

let appDir: string;
let emulator: Emulator;
const ossLog: string[] = [];
let principals: PrincipalsFile;
const callers = durabilityCallers();

beforeAll(async () => {
  appDir = await buildGateway();
  emulator = await startEmulator({
    port: 0,
    replication: { tickMs: 0, startingMs: 0, rtcEnablingMs: 0 },
    logger: (line) => ossLog.push(line),
  });
  await seedDemoWithOwnClient(emulator);
  principals = writePrincipalsFile(callers.document);
}, 300_000);

afterAll(async () => {
  await emulator?.close();
  principals?.cleanup();
});

/** One client: requests one after another until the gateway dies; answers collected as they arrive. */
async function client(
  baseUrl: string,
  round: string,
  answered: Answered[],
  stop: { dead: boolean },
): Promise<void> {
  for (let n = 0; !stop.dead; n += 1) {
    const roll = randomInt(10);
    const kind: Kind = roll < 4 ? 'read' : roll < 7 ? 'dry-run' : 'mutation';
    const requestId = `kill-${round}-${randomBytes(6).toString('hex')}-${n}`;
    const headers = { 'x-request-id': requestId, 'content-type': 'application/json' };
    try {
      const response =
        kind === 'read'
          ? await fetch(`${baseUrl}${RULES_PATH}`, { headers: { ...headers, 'x-api-key': callers.reader } })
          : await fetch(`${baseUrl}${RTC_PATH}${kind === 'dry-run' ? '?dryRun=true' : ''}`, {
              method: 'PUT',
              headers: { ...headers, 'x-api-key': callers.admin },
              body: JSON.stringify({ enabled: randomInt(2) === 1 }),
            });
      await response.arrayBuffer();
      answered.push({ requestId, kind, status: response.status });
    } catch {
      // The process was killed under this request: no answer was seen.
      return;
    }
  }
}

describe.each(await auditBackendNames())('a gateway killed with SIGKILL (%s audit store)', (name) => {
  let backend: AuditBackend;

  beforeAll(async () => {
    backend = await createAuditBackend(name, 'audit_kill');
  });
  afterAll(async () => {
    await backend?.drop();
  });

  it('has stored the decision and the OSS-call event of every mutation it answered', async () => {
    let answeredMutations = 0;
    for (let round = 0; round < ROUNDS; round += 1) {
      const ossBefore = ossLog.length;
      const gateway = startGateway(appDir, {
        ...PROCESS_TEST_ENV,
        ...emulatorEnv(emulator),
        LOG_LEVEL: 'warn',
        DATABASE_URL: backend.url,
        GATEWAY_PRINCIPALS_FILE: principals.file,
        GATEWAY_TRUSTED_PROXIES: '127.0.0.1,::1',
        GATEWAY_RATE_LIMITS: 'read=1000000/s,write=1000000/s,simulate=1000000/s,anonymous=1000000/s',
      });
      const baseUrl = await gateway.baseUrl();
      const answered: Answered[] = [];
      const stop = { dead: false };
      const clients = Array.from({ length: CLIENTS }, () => client(baseUrl, String(round), answered, stop));
      // Killed at a random moment of the load (after a few requests were answered).
      while (answered.length < 5 + randomInt(60)) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      gateway.child.kill('SIGKILL');
      await gateway.exited;
      stop.dead = true;
      await Promise.all(clients);

      const store = backend.open();
      try {
        const events = new Map<string, AuditEvent[]>();
        for (const event of await allEvents(store, String(round))) {
          events.set(event.requestId, [...(events.get(event.requestId) ?? []), event]);
        }
        const mutations = answered.filter((a) => a.kind !== 'read');
        for (const answer of mutations) {
          const stored = events.get(answer.requestId) ?? [];
          const what = `${answer.kind} ${answer.requestId} answered ${answer.status}`;
          expect(
            stored.filter((e) => e.kind === 'decision'),
            what,
          ).toHaveLength(1);
          if (answer.status === 200) {
            expect(
              stored.filter(
                (e) =>
                  e.kind === 'oss-call' &&
                  e.operation === 'PutBucketRtc' &&
                  e.dryRun === (answer.kind === 'dry-run'),
              ),
              what,
            ).toHaveLength(1);
          }
        }
        answeredMutations += mutations.filter((a) => a.kind === 'mutation' && a.status === 200).length;
        // Every RTC change OSS received had its decision committed before it was sent.
        const rtcWrites = ossLog
          .slice(ossBefore)
          .filter((line) => line.split(' ')[2] === 'PutBucketRTC').length;
        const committedDecisions = [...events.values()]
          .flat()
          .filter((e) => e.kind === 'decision' && e.action === 'oss:PutBucketRtc' && !e.dryRun).length;
        expect(committedDecisions).toBeGreaterThanOrEqual(rtcWrites);
      } finally {
        await store.close();
      }
    }
    // The property was exercised: real RTC changes were answered (and checked) in these rounds.
    expect(answeredMutations).toBeGreaterThan(0);
  }, 60_000);
});

/** The round's events (request ids `kill-<round>-…`), all pages. */
async function allEvents(store: ReturnType<AuditBackend['open']>, round: string): Promise<AuditEvent[]> {
  const out: AuditEvent[] = [];
  let after: { time: Date; id: string } | undefined;
  for (;;) {
    const page = await store.query({}, 500, after);
    out.push(...page.filter((e) => e.requestId.startsWith(`kill-${round}-`)));
    if (page.length < 500) {
      return out;
    }
    const last = page[page.length - 1];
    after = { time: last.time, id: last.id };
  }
}
