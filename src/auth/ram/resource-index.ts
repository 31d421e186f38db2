import type { CompiledStatement } from './compile.js';
import type { GlobMatcher } from './glob.js';

/** One distinct wildcard Resource pattern and the statements that use it. */
interface PatternEntry {
  glob: GlobMatcher;
  statements: CompiledStatement[];
  /** Number of `:` in the pattern (all literal: only `*` and `?` are wildcards). */
  colons: number;
  /** Literal start of the pattern's last segment (after its last `:`), up to the first wildcard. */
  lastPrefix: string;
}

/** Candidate patterns for requests with a given number of `:`. */
interface ColonGroup {
  keyLength: number;
  /** Patterns keyed by the first `keyLength` characters of their last-segment prefix. */
  byKey: Map<string, PatternEntry[]>;
  /** Patterns that have to be tried for every such request. */
  always: PatternEntry[];
}

const MAX_MEMO = 4096;
const MAX_COLON_GROUPS = 64;
const MAX_KEY_LENGTH = 16;

function countColons(value: string): number {
  let n = 0;
  for (let i = value.indexOf(':'); i >= 0; i = value.indexOf(':', i + 1)) {
    n++;
  }
  return n;
}

function byOrder(a: CompiledStatement, b: CompiledStatement): number {
  return a.order - b.order;
}

/**
 * Resource matching for the statements that cover one action.
 *
 * Literal ARNs are a map lookup. Wildcard patterns are filtered before they are tried: when a pattern has
 * as many `:` as the request resource, each of its `:` must match one of the request's, so its wildcards
 * cannot span segments and its last segment must match the request's last segment (the bucket name, or
 * bucket/object path). Such patterns are keyed by the literal start of their last segment, and a request
 * only tries the patterns under its own key. Patterns with fewer `:` (a `*` may span segments) are always
 * tried; patterns with more can never match. Every candidate is still tested against the whole resource.
 * Results are memoised per resource (bounded; the memo is dropped when full).
 */
export class ResourceIndex {
  private readonly everything: CompiledStatement[] = [];
  private readonly literal = new Map<string, CompiledStatement[]>();
  private readonly notResource: CompiledStatement[] = [];
  private readonly patterns: PatternEntry[] = [];
  private readonly groups = new Map<number, ColonGroup>();
  private memo = new Map<string, readonly CompiledStatement[]>();

  constructor(
    /** Every statement whose Action/NotAction covers the action, in policy/statement order. */
    readonly statements: readonly CompiledStatement[],
  ) {
    const patterns = new Map<string, PatternEntry>();
    for (const statement of statements) {
      if (statement.notResource) {
        this.notResource.push(statement);
        continue;
      }
      if (statement.resourceGlobs.some((g) => /^\*+$/.test(g.pattern))) {
        this.everything.push(statement);
        continue;
      }
      for (const glob of statement.resourceGlobs) {
        if (glob.literal) {
          const list = this.literal.get(glob.pattern);
          if (!list) {
            this.literal.set(glob.pattern, [statement]);
          } else if (list[list.length - 1] !== statement) {
            list.push(statement);
          }
          continue;
        }
        let entry = patterns.get(glob.pattern);
        if (!entry) {
          const last = glob.pattern.slice(glob.pattern.lastIndexOf(':') + 1);
          const wildcard = last.search(/[*?]/);
          entry = {
            glob,
            statements: [],
            colons: countColons(glob.pattern),
            lastPrefix: wildcard < 0 ? last : last.slice(0, wildcard),
          };
          patterns.set(glob.pattern, entry);
        }
        if (entry.statements[entry.statements.length - 1] !== statement) {
          entry.statements.push(statement);
        }
      }
    }
    this.patterns = [...patterns.values()];
  }

  /** Statements whose Resource/NotResource covers `resource`, in policy/statement order. */
  match(resource: string): readonly CompiledStatement[] {
    const cached = this.memo.get(resource);
    if (cached) {
      return cached;
    }
    const result = this.compute(resource);
    if (this.memo.size >= MAX_MEMO) {
      this.memo = new Map();
    }
    this.memo.set(resource, result);
    return result;
  }

  private compute(resource: string): readonly CompiledStatement[] {
    const found: CompiledStatement[] = [...this.everything];
    const literal = this.literal.get(resource);
    if (literal) {
      found.push(...literal);
    }
    if (this.patterns.length > 0) {
      const colons = countColons(resource);
      const group = this.group(colons);
      const tryEntry = (entry: PatternEntry) => {
        if (entry.glob.test(resource)) {
          found.push(...entry.statements);
        }
      };
      group.always.forEach(tryEntry);
      if (group.keyLength > 0) {
        const last = resource.slice(resource.lastIndexOf(':') + 1);
        if (last.length >= group.keyLength) {
          group.byKey.get(last.slice(0, group.keyLength))?.forEach(tryEntry);
        }
      }
    }
    for (const statement of this.notResource) {
      if (!statement.resourceGlobs.some((g) => g.test(resource))) {
        found.push(statement);
      }
    }
    if (found.length <= 1) {
      return Object.freeze(found);
    }
    // A statement listing several matching resources appears once.
    return Object.freeze([...new Set(found)].sort(byOrder));
  }

  private group(colons: number): ColonGroup {
    const cached = this.groups.get(colons);
    if (cached) {
      return cached;
    }
    const always = this.patterns.filter((p) => p.colons < colons);
    const aligned = this.patterns.filter((p) => p.colons === colons);
    const lengths = aligned.map((p) => p.lastPrefix.length).sort((a, b) => a - b);
    // Most aligned patterns should be long enough to be keyed: take the first quartile of prefix lengths.
    const keyLength = Math.min(
      MAX_KEY_LENGTH,
      lengths.length === 0 ? 0 : lengths[Math.floor(lengths.length / 4)],
    );
    const byKey = new Map<string, PatternEntry[]>();
    for (const entry of aligned) {
      if (keyLength === 0 || entry.lastPrefix.length < keyLength) {
        always.push(entry);
      } else {
        const key = entry.lastPrefix.slice(0, keyLength);
        const list = byKey.get(key);
        if (list) {
          list.push(entry);
        } else {
          byKey.set(key, [entry]);
        }
      }
    }
    const group = { keyLength, byKey, always };
    if (this.groups.size < MAX_COLON_GROUPS) {
      this.groups.set(colons, group);
    }
    return group;
  }
}
