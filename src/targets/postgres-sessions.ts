// Which PostgreSQL sessions Orixoon may signal, and the server-side timeouts that would have ended
// them. Shared by the postgres check and the postgres remedies.
import { PROTECTED_APPLICATIONS, type PgSession, type PostgresTarget } from './postgres/index.js';

/** Whether Orixoon may ever signal this session (protected users and backup tools never). */
export function isSignallable(s: PgSession, protectedUsers: readonly string[]): boolean {
  return (
    !protectedUsers.includes(s.user ?? '') &&
    !(PROTECTED_APPLICATIONS as readonly string[]).includes(s.applicationName)
  );
}

/**
 * Lasting-fix advice: per role, the server-side timeouts that would have ended these sessions,
 * only where neither the server (pg_settings) nor the role already sets them.
 */
export async function timeoutRecommendations(
  target: PostgresTarget,
  roles: string[],
  settings: Array<{ name: string; value: string; why: string }>,
): Promise<string[]> {
  const names = settings.map((s) => s.name);
  const [server, perRole] = await Promise.all([target.settings(names), target.roleSettings(roles, names)]);
  const out: string[] = [];
  for (const s of settings) {
    // Unknown on this server version (idle_session_timeout needs PostgreSQL 14) or set server-wide.
    if (!(s.name in server) || (server[s.name] !== '0' && server[s.name] !== '')) continue;
    for (const role of roles) {
      const v = perRole[role]?.[s.name];
      if (v !== undefined && v !== '0') continue;
      out.push(`ALTER ROLE ${roleIdent(role)} SET ${s.name} = '${s.value}'; -- ${s.why}`);
    }
  }
  return out;
}

/** A role name as SQL: bare when it is a plain lower-case name, else double-quoted. */
export function roleIdent(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`;
}
