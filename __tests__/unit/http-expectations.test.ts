// What an HTTP answer is checked against: status specs, body, JSON paths, latency.
import { describe, expect, it } from 'vitest';
import { evaluateResponse, jsonPath, statusExpectation } from '../../src/checks/http.js';
import { displayUrl, type HttpProbeResult } from '../../src/targets/http.js';

const answer = (over: Partial<HttpProbeResult> = {}): HttpProbeResult => ({
  status: 200,
  latencyMs: 10,
  body: '{"status":"ok","db":{"pool":[1,2]}}',
  bodyTruncated: false,
  contentType: 'application/json',
  location: null,
  ...over,
});

describe('http expectations', () => {
  it('status specs: default 200-399, a number, a list, a range string', () => {
    const d = statusExpectation(undefined);
    expect([199, 200, 302, 399, 400, 500].map(d.accepts)).toEqual([false, true, true, true, false, false]);
    expect(statusExpectation(204).accepts(200)).toBe(false);
    expect(statusExpectation([200, 204]).text).toBe('200, 204');
    const r = statusExpectation('200-299');
    expect([r.accepts(299), r.accepts(300), r.text]).toEqual([true, false, '200-299']);
    expect(statusExpectation('418').text).toBe('418');
  });

  it('dotted JSON paths, arrays by index, deep values', () => {
    const v = { a: { b: [{ c: 1 }] } };
    expect(jsonPath(v, 'a.b.0.c')).toBe(1);
    expect(jsonPath(v, 'a.x.y')).toBeUndefined();
    expect(
      evaluateResponse(answer(), { status: statusExpectation(undefined), json: { 'db.pool': [1, 2] } }),
    ).toEqual([]);
    expect(
      evaluateResponse(answer(), { status: statusExpectation(undefined), json: { 'db.pool': [2, 1] } }),
    ).toEqual(['JSON db.pool is [1,2] (expected [2,1])']);
    expect(
      evaluateResponse(answer({ body: '<html>' }), { status: statusExpectation(undefined), json: { a: 1 } }),
    ).toEqual(['response is not JSON']);
  });

  it('every failed expectation is listed', () => {
    const problems = evaluateResponse(answer({ status: 503, latencyMs: 900, body: 'down' }), {
      status: statusExpectation(undefined),
      bodyContains: 'ok',
      maxLatencyMs: 500,
    });
    expect(problems).toEqual([
      'returned 503 (expected 200-399)',
      "response does not contain 'ok'",
      'slow: 900 ms (limit 500 ms)',
    ]);
  });

  it('URLs in messages lose credentials and query strings', () => {
    expect(displayUrl('https://user:s3cret@api.example.com:8443/health?token=abc#x')).toBe(
      'https://api.example.com:8443/health',
    );
  });
});
