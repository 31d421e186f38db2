import { isAbsolute, resolve } from 'node:path';

export type DatabaseTarget =
  | { kind: 'sqlite'; /** An absolute file path, or `:memory:`. */ file: string }
  | { kind: 'postgres'; connectionString: string };

/**
 * Reads `DATABASE_URL`: `sqlite:./data/gateway.db`, `sqlite:/abs/path.db`, `sqlite:///abs/path.db`,
 * `sqlite::memory:`, or `postgres://…` / `postgresql://…`.
 */
export function parseDatabaseUrl(url: string, cwd: string = '.'): DatabaseTarget {
  if (/^postgres(ql)?:\/\//i.test(url)) {
    return { kind: 'postgres', connectionString: url };
  }
  if (url.startsWith('sqlite:')) {
    let rest = url.slice('sqlite:'.length);
    if (rest === ':memory:' || rest === '') {
      return { kind: 'sqlite', file: ':memory:' };
    }
    if (rest.startsWith('//')) {
      rest = rest.slice(2);
    }
    return { kind: 'sqlite', file: isAbsolute(rest) ? rest : resolve(cwd, rest) };
  }
  throw new Error('DATABASE_URL must be sqlite:<path>, sqlite::memory: or postgres://…');
}

/** The URL with any password masked, safe for logs. */
export function redactDatabaseUrl(url: string): string {
  return url.replace(/^(postgres(?:ql)?:\/\/[^:/@]*):[^@]*@/i, '$1:***@');
}
