// A check type added from outside the product: one file (__tests__/fixtures/tcp-port-check.ts) and one
// registry line. The loader validates it with line and column, the JSON Schema and the catalog know
// it, and the healing policy plans its declared remedy — with no other edit.
import { describe, expect, test } from 'vitest';
import { registerCheckType } from '../../src/checks/registry.js';
import { tcpPortCheck } from '../fixtures/tcp-port-check.js';
import { ConfigError, parseConfig } from '../../src/config/load.js';
import { buildJsonSchema } from '../../src/config/json-schema.js';
import { ISSUE_CATALOG, isIssueCode, withDeclaredPlan } from '../../src/checks/catalog.js';
import { buildConfiguredPlan } from '../../src/engine/plan.js';
import { decide, newSessionState } from '../../src/healing/policy.js';
import { REMEDIES } from '../../src/healing/remedies/registry.js';
import type { Finding } from '../../src/core/types.js';

registerCheckType(tcpPortCheck);

const config = (check: string): string => `phases:\n  - name: p\n    checks:\n      - ${check}\n`;

function problemsOf(text: string): ConfigError['problems'] {
  try {
    parseConfig(text, 'orixoon.yml', {});
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).problems;
  }
  throw new Error('expected the config to be rejected');
}

describe('a check type registered with one line', () => {
  test('the loader accepts it with its defaults filled in, and builds its check', () => {
    const loaded = parseConfig(
      config('{ id: cache-port, type: tcp_port, port: 6390, container: cache }') +
        'healing_actions:\n  port_closed: { max_retries: 1, timeout_seconds: 20 }\n',
      'orixoon.yml',
      {},
    );
    expect(loaded.config.phases[0]!.checks[0]).toEqual({
      id: 'cache-port',
      type: 'tcp_port',
      depends_on: [],
      host: '127.0.0.1',
      port: 6390,
      timeout_seconds: 2,
      container: 'cache',
    });
    expect(loaded.config.healing_actions.port_closed).toEqual({ max_retries: 1, timeout_seconds: 20 });
    const [check] = buildConfiguredPlan(loaded)[0]!.checks;
    expect(check).toMatchObject({ id: 'cache-port', type: 'tcp_port', phase: 'p' });
  });

  test('a bad option is an error with line, column and key; so is its own validation', () => {
    const [bad] = problemsOf(config('{ id: cache-port, type: tcp_port, port: 70000 }'));
    expect(bad).toMatchObject({ file: 'orixoon.yml', line: 4, key: 'phases[0].checks[0].port' });
    expect(bad!.column).toBeGreaterThan(1);
    expect(bad!.message).toMatch(/at most 65535/);

    const [unknown] = problemsOf(config('{ id: cache-port, type: tcp_port, port: 1, hots: x }'));
    expect(unknown).toMatchObject({ line: 4, key: 'phases[0].checks[0].hots' });
    expect(unknown!.message).toMatch(/unknown key "hots".*host/);

    const [url] = problemsOf(config('{ id: cache-port, type: tcp_port, port: 1, host: "tcp://x" }'));
    expect(url).toMatchObject({ line: 4, key: 'phases[0].checks[0].host' });
    expect(url!.message).toMatch(/not a URL/);

    const [code] = problemsOf('healing_actions:\n  port_closd: { enabled: false }\n');
    expect(code).toMatchObject({ line: 2, key: 'healing_actions.port_closd' });
  });

  test('the JSON Schema has the type, its options and its issue code', () => {
    const schema = JSON.stringify(buildJsonSchema());
    const checks = (
      buildJsonSchema() as { properties: { phases: { items: { properties: { checks: unknown } } } } }
    ).properties.phases.items.properties.checks as { items: { oneOf?: unknown[]; anyOf?: unknown[] } };
    const variants = (checks.items.oneOf ?? checks.items.anyOf)! as Array<{
      properties: { type: { const: string }; port?: { maximum: number; description: string } };
      required: string[];
    }>;
    const tcp = variants.find((v) => v.properties.type.const === 'tcp_port');
    expect(tcp?.properties.port).toMatchObject({ maximum: 65535, description: expect.any(String) });
    expect(tcp?.required).toEqual(expect.arrayContaining(['id', 'type', 'port']));
    expect(schema).toContain('"port_closed"');
  });

  test('the catalog has its code, and the policy plans the declared remedy on the mapped container', () => {
    expect(isIssueCode('port_closed')).toBe(true);
    expect(ISSUE_CATALOG.port_closed).toMatchObject({
      action: 'restart_container',
      risk: 'low',
      title: 'Port closed',
    });
    const facts: Finding = {
      code: 'port_closed',
      checkId: 'cache-port',
      target: 'cache',
      targetKey: 'container:cache',
      message: 'Port 127.0.0.1:6390 closed (ECONNREFUSED)',
      evidence: { host: '127.0.0.1', port: 6390 },
      facts: { container: 'cache' },
    };
    const loaded = parseConfig('{}', 'orixoon.yml', {});
    const input = {
      config: loaded.config,
      remedies: REMEDIES,
      autoHeal: true,
      dryRun: false,
      guards: {},
      session: newSessionState(),
      now: Date.now(),
      approved: false,
    };
    const decision = decide({ ...input, finding: withDeclaredPlan(facts) });
    expect(decision).toMatchObject({
      kind: 'act',
      action: 'restart_container',
      risk: 'low',
      category: 'container',
    });
    expect(withDeclaredPlan(facts).params).toEqual({ container: 'cache' });
    // Without a mapped container the declared rule says a person must act.
    const unmapped = decide({ ...input, finding: withDeclaredPlan({ ...facts, facts: {} }) });
    expect(unmapped).toMatchObject({ kind: 'stop', outcome: 'not_healable' });
  });
});
