// The http check against a real HTTP app in a container (python3 from the host): a health endpoint
// that breaks until the container is restarted, slow and hanging endpoints, body and JSON
// expectations, and an endpoint nobody listens on.
import { writeFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { inspect, removeSuite, runContainer, waitFor } from '../helpers/docker.js';
import { httpCheck } from '../../src/checks/http.js';
import { checkOf, onlyFinding, OpenRuns, remedy, remedyContext } from '../helpers/context.js';
import { SUITE, tempDir, until } from './workers-support.js';

const PORT = 58001;
const APP = 'oxw-http-app';
const BASE = `http://127.0.0.1:${PORT}`;

// State lives in the process: /break makes /health fail until the process (container) restarts.
const SERVER = `
import json, signal, sys, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
broken = False
class H(BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def send(self, code, body, ctype='text/plain'):
        data = body.encode()
        self.send_response(code)
        self.send_header('content-type', ctype)
        self.send_header('content-length', str(len(data)))
        self.end_headers()
        self.wfile.write(data)
    def do_GET(self):
        global broken
        if self.path == '/break':
            broken = True; return self.send(200, 'broken now')
        if self.path == '/health':
            return self.send(500, 'uvicorn workers down') if broken else self.send(200, 'status: ok')
        if self.path.startswith('/slow'):
            time.sleep(float(self.path.split('=')[1]) if '=' in self.path else 1.5)
            return self.send(200, 'slow but fine')
        if self.path == '/json':
            return self.send(200, json.dumps({'status': 'ok', 'checks': {'db': 'up', 'redis': 'down'}, 'workers': [3]}), 'application/json')
        if self.path == '/redirect':
            self.send_response(302); self.send_header('location', '/health'); self.send_header('content-length', '0'); self.end_headers(); return
        return self.send(404, 'not found')
signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))  # PID 1 ignores SIGTERM without a handler
ThreadingHTTPServer(('127.0.0.1', int(sys.argv[1])), H).serve_forever()
`;

const runs = new OpenRuns();
beforeAll(async () => {
  const dir = tempDir('http-app');
  writeFileSync(`${dir}/server.py`, SERVER);
  await runContainer({
    name: APP,
    suite: SUITE,
    cmd: ['/usr/bin/python3', '/app/server.py', String(PORT)],
    volumes: [`${dir}:/app:ro`],
  });
  await until(
    async () =>
      fetch(`${BASE}/health`).then(
        (r) => r.ok,
        () => false,
      ),
    20_000,
    'the HTTP app',
  );
});

afterEach(() => runs.closeAll());

afterAll(async () => {
  await removeSuite(SUITE);
});

describe('http check', () => {
  it('a failing health endpoint → endpoint_down → restart_service → passing again', async () => {
    const { ctx } = runs.open();
    const check = checkOf(httpCheck, 'api', { url: `${BASE}/health`, container: APP, body_contains: 'ok' });
    const healthy = await check.run(ctx);
    expect(healthy.findings).toEqual([]);
    expect(healthy.summary).toMatch(/^200 in \d+ ms$/);

    await fetch(`${BASE}/break`);
    const before = await inspect(APP);
    const f = onlyFinding((await check.run(ctx)).findings);
    expect(f.code).toBe('endpoint_down');
    expect(f.message).toBe(
      `HTTP endpoint ${BASE}/health returned 500 (expected 200-399); response does not contain 'ok'`,
    );
    expect(f.targetKey).toBe(`container:${APP}`);
    expect(f.params).toEqual({ container: APP });
    expect(f.evidence).toMatchObject({
      status: 500,
      body_excerpt: 'uvicorn workers down',
      url: `${BASE}/health`,
    });
    expect(f.manual).toBeUndefined();

    const restart = remedy('restart_service');
    expect(restart.describe(f)).toBe(`Restarting ${APP} container...`);
    await restart.run(f, remedyContext(ctx, check));
    const v = await check.verify!(f, ctx, 15_000);
    expect(v.ok).toBe(true);
    expect(v.detail).toMatch(/^Endpoint responding: 200 in \d+ ms$/);
    const after = await inspect(APP);
    expect(after.State.Running).toBe(true);
    expect(after.State.StartedAt).not.toBe(before.State.StartedAt);
    expect((await fetch(`${BASE}/health`)).status).toBe(200);
    expect((await check.run(ctx)).findings).toEqual([]);
  });

  it('a slow endpoint over its latency limit is reported with the latency as evidence', async () => {
    const { ctx } = runs.open();
    const check = checkOf(httpCheck, 'slow', {
      url: `${BASE}/slow?s=1.2`,
      max_latency_ms: 300,
      container: APP,
    });
    const f = onlyFinding((await check.run(ctx)).findings);
    expect(f.code).toBe('endpoint_down');
    expect(f.message).toMatch(new RegExp(`^HTTP endpoint ${BASE}/slow slow: \\d+ ms \\(limit 300 ms\\)$`));
    expect(f.evidence.status).toBe(200);
    expect(Number(f.evidence.latency_ms)).toBeGreaterThanOrEqual(1200);
    expect(Number(f.evidence.latency_ms)).toBeLessThan(5000);
    expect(f.evidence.max_latency_ms).toBe(300);
    // The same endpoint within a generous limit passes.
    const relaxed = checkOf(httpCheck, 'slow-ok', { url: `${BASE}/slow?s=0.2`, max_latency_ms: 3000 });
    expect((await relaxed.run(ctx)).findings).toEqual([]);
  });

  it('a hanging endpoint is cut off at timeout_seconds', async () => {
    const { ctx } = runs.open();
    const check = checkOf(httpCheck, 'hang', { url: `${BASE}/slow?s=10`, timeout_seconds: 0.5 });
    const started = Date.now();
    const f = onlyFinding((await check.run(ctx)).findings);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(f.message).toBe(`HTTP endpoint ${BASE}/slow not responding (timed out after 500 ms)`);
    expect(f.evidence.error).toBe('timeout');
    // No container mapped: reported, not healable, keyed by the check.
    expect(f.targetKey).toBe('http:hang');
    expect(f.params).toBeUndefined();
    expect(f.manual).toMatch(/No container mapped to http check 'hang'/);
  });

  it('an endpoint nobody listens on is down (connection refused)', async () => {
    const { ctx } = runs.open();
    const f = onlyFinding(
      (await checkOf(httpCheck, 'gone', { url: 'http://127.0.0.1:58099/health' }).run(ctx)).findings,
    );
    expect(f.message).toBe('HTTP endpoint http://127.0.0.1:58099/health not responding (connection refused)');
    expect(f.evidence.error).toBe('refused');
  });

  it('checks JSON fields by dotted path and the expected status', async () => {
    const { ctx } = runs.open();
    const good = checkOf(httpCheck, 'json-ok', {
      url: `${BASE}/json`,
      json: { status: 'ok', 'checks.db': 'up', 'workers.0': 3 },
      expect_status: '200-299',
    });
    expect((await good.run(ctx)).findings).toEqual([]);
    const bad = checkOf(httpCheck, 'json-bad', {
      url: `${BASE}/json`,
      json: { 'checks.redis': 'up', 'checks.queue': 'up' },
    });
    expect(onlyFinding((await bad.run(ctx)).findings).message).toBe(
      `HTTP endpoint ${BASE}/json JSON checks.redis is "down" (expected "up"); JSON checks.queue is missing (expected "up")`,
    );
    const wrongStatus = checkOf(httpCheck, 'status', { url: `${BASE}/json`, expect_status: [201, 204] });
    expect(onlyFinding((await wrongStatus.run(ctx)).findings).message).toBe(
      `HTTP endpoint ${BASE}/json returned 200 (expected 201, 204)`,
    );
  });

  it('does not follow redirects: a 302 passes the default 200-399 but not an exact 200', async () => {
    const { ctx } = runs.open();
    expect((await checkOf(httpCheck, 'r1', { url: `${BASE}/redirect` }).run(ctx)).findings).toEqual([]);
    const f = onlyFinding(
      (await checkOf(httpCheck, 'r2', { url: `${BASE}/redirect`, expect_status: 200 }).run(ctx)).findings,
    );
    expect(f.evidence.status).toBe(302);
  });

  it('verify gives up after its timeout while the endpoint stays broken', async () => {
    const { ctx } = runs.open();
    await fetch(`${BASE}/break`);
    const check = checkOf(httpCheck, 'still-broken', { url: `${BASE}/health`, container: APP });
    const f = onlyFinding((await check.run(ctx)).findings);
    const started = Date.now();
    const v = await check.verify!(f, ctx, 1500);
    expect(v.ok).toBe(false);
    expect(v.detail).toBe(`Endpoint ${BASE}/health still failing: returned 500 (expected 200-399)`);
    expect(Date.now() - started).toBeLessThan(3000);
    // Leave the app healthy for whoever runs next.
    await remedy('restart_service').run(f, remedyContext(ctx, check));
    await waitFor(APP, (i) => i.State.Running);
    expect((await check.verify!(f, ctx, 15_000)).ok).toBe(true);
  });
});
