// Which values of a run are secrets: every value the config's `${VAR}` expanded (the runner's public
// context excepted), the credentials of every URL the config holds, and secret-looking environment
// variables (a command check's output may echo them). They are registered with the run's Redactor,
// which decides how each is masked; values too short to mask are reported by name, never by value.
import type { LoadedConfig } from '../config/load.js';
import type { Logger } from '../support/logger.js';
import { MIN_MASKED_LENGTH, type Redactor } from '../support/redact.js';

const ENV_SECRET_NAME = /PASS|TOKEN|SECRET|KEY|DSN|WEBHOOK|HOOK|CREDENTIAL|AUTH|PRIVATE/i;
/** Context the runner or the shell sets, public by nature (its URLs must stay readable in links). */
const PUBLIC_NAME =
  /^(?:(?:GITHUB|RUNNER|ACTIONS|CI)_.*|CI|HOME|PWD|OLDPWD|USER|LOGNAME|PATH|SHELL|TMPDIR|HOSTNAME|LANG)$/i;
const URL_WITH_PASSWORD = /\b[a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*:[^@\s/]+@[^\s'"`<>]*/gi;

/** True for the runner's and the shell's own variables, except any token among them. */
function isPublicVariable(name: string): boolean {
  return PUBLIC_NAME.test(name) && !/TOKEN/i.test(name);
}

/**
 * Environment values to mask: secret-looking names, and URL-named values that carry credentials.
 * Names are only a guess here, so a value too short to mask is left out silently (`AUTH_ENABLED=1`
 * is no secret); a value the config expands is always registered.
 */
export function secretEnvValues(env: NodeJS.ProcessEnv): string[] {
  const out: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (!value || value.length < MIN_MASKED_LENGTH || isPublicVariable(name)) continue;
    if (ENV_SECRET_NAME.test(name) || (/URL|URI/i.test(name) && /:\/\/[^/\s]*@/.test(value))) out.push(value);
  }
  return out;
}

/** Every URL with a password anywhere in the config (its password and `user:password` are secrets). */
export function configUrlsWithPasswords(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(...(value.match(URL_WITH_PASSWORD) ?? []));
  else if (Array.isArray(value)) for (const v of value) configUrlsWithPasswords(v, out);
  else if (value && typeof value === 'object')
    for (const v of Object.values(value)) configUrlsWithPasswords(v, out);
  return out;
}

/**
 * Registers the run's secrets with `redactor` and warns (console and healing log) about each value
 * too short to mask whose name says it is a secret: it would be shown as is.
 */
export function registerSecrets(
  redactor: Redactor,
  loaded: Pick<LoadedConfig, 'expanded' | 'config'>,
  env: NodeJS.ProcessEnv,
  log: Logger,
): void {
  const secretLooking = new Set<string>();
  for (const { name, value } of loaded.expanded) {
    if (isPublicVariable(name)) continue;
    const label = `\${${name}}`;
    if (ENV_SECRET_NAME.test(name)) secretLooking.add(label);
    redactor.add(value, label);
  }
  for (const url of configUrlsWithPasswords(loaded.config)) redactor.add(url, 'a URL password in the config');
  for (const value of secretEnvValues(env)) redactor.add(value);
  for (const label of new Set(redactor.refused)) {
    // Unnamed values come from inputs and connection settings: always secrets.
    if (label.startsWith('${') && !secretLooking.has(label)) continue;
    const warning = `${label} is too short to mask (under ${MIN_MASKED_LENGTH} characters): it is shown as is wherever it appears; use a longer secret`;
    log.say(`⚠️ ${warning}`);
    log.warn(warning);
  }
}
