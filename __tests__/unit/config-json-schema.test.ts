import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { buildJsonSchema, SCHEMA_ID } from '../../src/config/json-schema.js';

type Node = Record<string, unknown>;

/** Every property schema in the document, with its path. */
function properties(node: unknown, path = '', out: Array<[string, Node]> = []): Array<[string, Node]> {
  if (!node || typeof node !== 'object') return out;
  if (Array.isArray(node)) {
    for (const n of node) properties(n, path, out);
    return out;
  }
  const n = node as Node;
  for (const [key, prop] of Object.entries((n.properties as Record<string, Node>) ?? {})) {
    out.push([`${path}.${key}`, prop]);
    properties(prop, `${path}.${key}`, out);
  }
  for (const key of ['items', 'anyOf', 'oneOf', 'allOf', 'additionalProperties', 'definitions'])
    properties(n[key], path, out);
  return out;
}

const root = `${__dirname}/../..`;

describe('the JSON Schema', () => {
  const schema = buildJsonSchema();

  test('every property has a description', () => {
    const all = properties(schema);
    // Config sections, check options of every type, nested queue statuses and heartbeats.
    expect(all.length).toBeGreaterThan(100);
    const without = all.filter(([, p]) => typeof p.description !== 'string' || p.description === '');
    expect(without.map(([path]) => path)).toEqual([]);
    const paths = new Set(all.map(([path]) => path));
    expect(paths).toContain('.phases.checks.statuses.pending');
    expect(paths).toContain('.phases.checks.heartbeat.max_age_seconds');
  });

  test('defaults and examples are there', () => {
    const props = new Map(properties(schema));
    expect(props.get('.auto_healing.max_healing_attempts')?.default).toBe(3);
    expect(props.get('.safety_limits.cooldown_seconds')?.default).toBe(60);
    expect(props.get('.targets.postgres.url')?.examples).toEqual(['${DATABASE_URL}']);
    expect(props.get('.notifications.slack_webhook_url')?.examples).toEqual(['${SLACK_WEBHOOK_URL:-}']);
  });

  test('is draft-07 with an $id that serves raw JSON, and the shipped file is current', () => {
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(schema.$id).toBe(SCHEMA_ID);
    expect(SCHEMA_ID).toMatch(
      /^https:\/\/raw\.githubusercontent\.com\/[^/]+\/[^/]+\/[^/]+\/orixoon\.schema\.json$/,
    );
    // Draft 2019+ keywords would be ignored by draft-07 validators.
    const text = JSON.stringify(schema);
    for (const kw of ['$defs', 'dependentRequired', 'unevaluatedProperties', 'prefixItems'])
      expect(text).not.toContain(`"${kw}"`);
    const shipped = JSON.parse(readFileSync(`${root}/orixoon.schema.json`, 'utf8'));
    expect(shipped).toEqual(JSON.parse(JSON.stringify(schema)));
  });

  test('the SchemaStore catalog entry points at the same $id for .github/orixoon.yml and orixoon.json', () => {
    const entry = JSON.parse(readFileSync(`${root}/schemastore/catalog-entry.json`, 'utf8'));
    expect(entry).toEqual({
      name: 'Orixoon',
      description: expect.any(String),
      fileMatch: ['.github/orixoon.yml', 'orixoon.json'],
      url: SCHEMA_ID,
    });
  });
});
