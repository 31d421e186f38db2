/*
 * A diff here changes who can reach an endpoint; review it as a permission change.
 *
 * Every REST route and GraphQL resolver (field resolvers included) of the booted application, with
 * the RAM action and resource it declares (`public` for @Public(), `authenticated` for any
 * authenticated caller). Update with `npx vitest run test/e2e/permissions.snapshot.spec.ts -u`.
 */
import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { collectEndpointPermissions, type EndpointPermission } from '../../src/auth/permission-surface.js';
import { startEmulator, type Emulator } from '../../src/emulator/emulator-server.js';
import { writePrincipalsFile, type PrincipalsFile } from '../fixtures/principals.js';
import { createTestApp, emulatorEnv, type TestApp } from '../utils/create-test-app.js';

describe('permission surface', () => {
  let emu: Emulator;
  let file: PrincipalsFile;
  let t: TestApp;
  let endpoints: EndpointPermission[];

  beforeAll(async () => {
    emu = await startEmulator();
    file = writePrincipalsFile({ principals: [] });
    t = await createTestApp({ ...emulatorEnv(emu), GATEWAY_PRINCIPALS_FILE: file.file });
    endpoints = collectEndpointPermissions(
      t.app.get(DiscoveryService),
      t.app.get(MetadataScanner),
      t.app.get(Reflector),
    );
  });
  afterAll(async () => {
    await t?.close();
    await emu?.close();
    file?.cleanup();
  });

  it('finds the routes and resolvers of the application', () => {
    expect(endpoints.some((e) => e.transport === 'http')).toBe(true);
    expect(endpoints.some((e) => e.transport === 'graphql')).toBe(true);
  });

  it('has no route or resolver without @RequiresAction or @Public', () => {
    expect(endpoints.filter((e) => !e.declared).map((e) => `${e.route} (${e.handler})`)).toEqual([]);
  });

  it('matches the committed permission snapshot', async () => {
    const surface = Object.fromEntries(endpoints.map((e) => [`${e.route} (${e.handler})`, e.permission]));
    await expect(`${JSON.stringify(surface, null, 2)}\n`).toMatchFileSnapshot(
      '__snapshots__/permissions.snap.json',
    );
  });
});
