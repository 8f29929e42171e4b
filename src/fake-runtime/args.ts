/**
 * runc-style argument parsing: flags first, then positionals; the first positional ends the
 * flags (so `exec ID sh -c x` keeps `-c` for the process), as urfave/cli does for runc.
 */
export type FlagSpec = Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }>;

export interface Parsed {
  flags: Map<string, string[] | boolean>;
  positionals: string[];
}

export class UsageError extends Error {}

export function parseFlags(args: readonly string[], spec: FlagSpec, stopAtFirstPositional: boolean): Parsed {
  const flags = new Map<string, string[] | boolean>();
  const positionals: string[] = [];
  const byShort = new Map(Object.entries(spec).filter(([, s]) => s.short).map(([name, s]) => [s.short!, name]));
  for (let i = 0; i < args.length; i++) {
    const token = args[i]!;
    if (token === '--') {
      positionals.push(...args.slice(i + 1));
      break;
    }
    if (!token.startsWith('-') || token === '-' || (stopAtFirstPositional && positionals.length > 0)) {
      positionals.push(token);
      continue;
    }
    const [rawName, inline] = token.replace(/^--?/, '').split(/=(.*)/s, 2) as [string, string | undefined];
    const name = spec[rawName] ? rawName : byShort.get(rawName);
    const def = name ? spec[name] : undefined;
    if (!name || !def) throw new UsageError(`flag provided but not defined: ${token}`);
    if (def.type === 'boolean') {
      flags.set(name, inline === undefined ? true : inline !== 'false');
      continue;
    }
    const value = inline ?? args[++i];
    if (value === undefined) throw new UsageError(`flag needs an argument: ${token}`);
    const prior = flags.get(name);
    flags.set(name, def.multiple && Array.isArray(prior) ? [...prior, value] : [value]);
  }
  return { flags, positionals };
}

export function str(parsed: Parsed, name: string): string | undefined {
  const v = parsed.flags.get(name);
  return Array.isArray(v) ? v[v.length - 1] : undefined;
}

export function strs(parsed: Parsed, name: string): string[] {
  const v = parsed.flags.get(name);
  return Array.isArray(v) ? v : [];
}

export function bool(parsed: Parsed, name: string): boolean {
  return parsed.flags.get(name) === true;
}
