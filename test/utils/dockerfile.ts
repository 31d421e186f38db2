/**
 * Reads the runtime stage of a Dockerfile: just the instructions the image-layout test replays
 * (no Docker engine here). Exec-form (JSON array) CMD and HEALTHCHECK only; anything it cannot read
 * throws, so the test cannot silently drift from the image.
 */
export interface RuntimeStage {
  workdir: string;
  env: Record<string, string>;
  volumes: string[];
  user: string;
  cmd: string[];
  healthcheck: { options: Record<string, string>; cmd: string[] };
  /** The RUN commands of the stage, as written. */
  runs: string[];
}

function instructions(text: string): Array<[string, string]> {
  return text
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const [, name, rest] = /^(\S+)\s*(.*)$/.exec(line)!;
      return [name.toUpperCase(), rest.trim()];
    });
}

function execForm(value: string, what: string): string[] {
  const parsed: unknown = JSON.parse(value);
  if (!Array.isArray(parsed) || !parsed.every((a) => typeof a === 'string')) {
    throw new Error(`${what} must be in exec form (a JSON array of strings): ${value}`);
  }
  return parsed;
}

/** The last stage (after the last FROM). */
export function runtimeStage(text: string): RuntimeStage {
  const all = instructions(text);
  const from = all.map(([name]) => name).lastIndexOf('FROM');
  const stage: Partial<RuntimeStage> & { env: Record<string, string>; volumes: string[]; runs: string[] } = {
    env: {},
    volumes: [],
    runs: [],
  };
  for (const [name, rest] of all.slice(from + 1)) {
    switch (name) {
      case 'WORKDIR':
        stage.workdir = rest;
        break;
      case 'ENV':
        for (const pair of rest.split(/\s+/)) {
          const [key, value] = pair.split('=', 2);
          if (value === undefined || /["']/.test(value)) {
            throw new Error(`ENV must be unquoted key=value pairs: ${rest}`);
          }
          stage.env[key] = value;
        }
        break;
      case 'VOLUME':
        stage.volumes.push(...(rest.startsWith('[') ? execForm(rest, 'VOLUME') : rest.split(/\s+/)));
        break;
      case 'USER':
        stage.user = rest;
        break;
      case 'CMD':
        stage.cmd = execForm(rest, 'CMD');
        break;
      case 'HEALTHCHECK': {
        const [, flags, cmd] = /^((?:--\S+\s+)*)CMD\s+(.*)$/.exec(rest) ?? [];
        if (cmd === undefined) {
          throw new Error(`HEALTHCHECK must be "[--option=value …] CMD [...]": ${rest}`);
        }
        const options = Object.fromEntries(
          flags
            .trim()
            .split(/\s+/)
            .filter(Boolean)
            .map((f) => f.replace(/^--/, '').split('=', 2) as [string, string]),
        );
        stage.healthcheck = { options, cmd: execForm(cmd, 'HEALTHCHECK CMD') };
        break;
      }
      case 'RUN':
        stage.runs.push(rest);
        break;
      default:
        break;
    }
  }
  const { workdir, user, cmd, healthcheck } = stage;
  if (!workdir || !user || !cmd || !healthcheck) {
    throw new Error('the runtime stage needs WORKDIR, USER, CMD and HEALTHCHECK');
  }
  return { ...stage, workdir, user, cmd, healthcheck };
}
