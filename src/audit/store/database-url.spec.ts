import { describe, expect, it } from 'vitest';
import { parseDatabaseUrl, redactDatabaseUrl } from './database-url.js';

describe(parseDatabaseUrl.name, () => {
  it.each([
    ['sqlite:./data/gateway.db', { kind: 'sqlite', file: '/srv/app/data/gateway.db' }],
    ['sqlite:/var/lib/gw/audit.db', { kind: 'sqlite', file: '/var/lib/gw/audit.db' }],
    ['sqlite:///var/lib/gw/audit.db', { kind: 'sqlite', file: '/var/lib/gw/audit.db' }],
    ['sqlite::memory:', { kind: 'sqlite', file: ':memory:' }],
    ['postgres://u:p@db:5432/gw', { kind: 'postgres', connectionString: 'postgres://u:p@db:5432/gw' }],
    ['postgresql://db/gw', { kind: 'postgres', connectionString: 'postgresql://db/gw' }],
  ])('reads %s', (url, target) => {
    expect(parseDatabaseUrl(url, '/srv/app')).toEqual(target);
  });

  it('refuses other schemes', () => {
    expect(() => parseDatabaseUrl('mysql://db/gw')).toThrow(/DATABASE_URL/);
  });
});

describe(redactDatabaseUrl.name, () => {
  it('masks the password and keeps the rest', () => {
    expect(redactDatabaseUrl('postgres://gw:s3cr%40t@db:5432/gw?sslmode=require')).toBe(
      'postgres://gw:***@db:5432/gw?sslmode=require',
    );
    expect(redactDatabaseUrl('postgres://gw@db/gw')).toBe('postgres://gw@db/gw');
    expect(redactDatabaseUrl('sqlite:./data/gateway.db')).toBe('sqlite:./data/gateway.db');
  });
});
