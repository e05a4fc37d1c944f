// Paths in what people read are relative to the workspace: `.github/orixoon.yml`, not
// `/home/runner/work/shop/shop/.github/orixoon.yml`. Pure helpers; the caller says where the workspace is.

/** The workspace a run's paths are shown relative to: `GITHUB_WORKSPACE` on a runner, else the cwd. */
export function workspaceDir(env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): string {
  return env.GITHUB_WORKSPACE?.trim() || cwd;
}

function trimSeparators(dir: string): string {
  return dir.replace(/[\\/]+$/, '');
}

/** A workspace that would turn every absolute path into a relative one (`/`, `C:\`) is ignored. */
function usable(workspace: string | undefined): string | undefined {
  if (!workspace) return undefined;
  const dir = trimSeparators(workspace.trim());
  return /[\\/]/.test(dir) && !/^[A-Za-z]:$/.test(dir) ? dir : undefined;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Matches the workspace as a whole path component wherever it appears in a text. */
function workspacePattern(dir: string): RegExp {
  // Either separator matches either separator: a Windows runner's workspace may be written both ways.
  const body = escapeRegExp(dir).replace(/\\\\|\//g, '[\\\\/]');
  return new RegExp(`(?<![\\w.~-])${body}(?:[\\\\/]+|(?![^\\s'"\`),;:\\]}>]))`, 'g');
}

/** One path relative to the workspace when it lies inside it (`.` for the workspace itself). */
export function relativePath(path: string, workspace: string | undefined): string {
  const dir = usable(workspace);
  if (!dir) return path;
  const p = path.trim();
  if (trimSeparators(p) === dir) return '.';
  for (const sep of ['/', '\\']) {
    if (p.startsWith(dir + sep)) return p.slice(dir.length).replace(/^[\\/]+/, '') || '.';
  }
  return path;
}

/** A function that makes every mention of a path inside the workspace, in free text, relative. */
export function textRelativizer(workspace: string | undefined): (text: string) => string {
  const dir = usable(workspace);
  if (!dir) return (text) => text;
  const pattern = workspacePattern(dir);
  return (text) => text.replace(pattern, (m) => (/[\\/]$/.test(m) ? '' : '.'));
}

/** Every mention of a path inside the workspace, in free text (messages, errors, notes), made relative. */
export function relativizeText(text: string, workspace: string | undefined): string {
  return textRelativizer(workspace)(text);
}

/** A copy of a report (or any plain data) with every string's workspace paths made relative. */
export function relativizeReport<T>(value: T, workspace: string | undefined): T {
  if (!usable(workspace)) return value;
  const relative = textRelativizer(workspace);
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return relative(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') {
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, walk(x)]));
    }
    return v;
  };
  return walk(value) as T;
}
