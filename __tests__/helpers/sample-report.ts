// A realistic blocked run, as the engine fills the report: a root cause healed (redis), a dependent
// that recovered with it (cache), a pool healed (db), an app whose restarts did not help (failed, with
// its failure report), two checks blocked by that app, a high-risk action awaiting approval, and the
// rest passing. Paths are a GitHub runner's, so renderers must show them relative to the workspace.
// Used by the renderer tests and by `npm run render` (the screenshots in docs/screenshots/).
import { buildVerdict } from '../../src/report/build.js';
import type { ActionRecord, CheckReport, FindingReport, RunReport } from '../../src/report/model.js';

export const SAMPLE_WORKSPACE = '/home/runner/work/shop/shop';
export const SAMPLE_SHA = '9f4c2e1d0b8a7f6e5d4c3b2a1908f7e6d5c4b3a2';
export const SAMPLE_RUN_URL = 'https://github.com/acme/shop/actions/runs/9876543210';

const T0 = Date.parse('2025-01-10T14:30:00.000Z');
const at = (seconds: number): string => new Date(T0 + seconds * 1000).toISOString();

function finding(over: Partial<FindingReport> & Pick<FindingReport, 'checkId' | 'code'>): FindingReport {
  return {
    id: `${over.checkId}-${over.code}-${SAMPLE_SHA.slice(0, 7)}`,
    phase: 'infrastructure',
    target: over.checkId,
    message: '',
    severity: 'error',
    evidence: {},
    outcome: 'failed',
    reason: '',
    action: null,
    risk: 'low',
    attempts: 0,
    durationMs: 0,
    ...over,
  };
}

function check(id: string, type: string, phase: string, over: Partial<CheckReport> = {}): CheckReport {
  return { id, type, phase, status: 'passed', durationMs: 40, findings: [], dependsOn: [], ...over };
}

export function sampleReport(): RunReport {
  const redis = finding({
    checkId: 'redis',
    code: 'container_not_running',
    target: 'shop-redis-1',
    message: "Docker container 'shop-redis-1' not running",
    evidence: { state: 'exited', exitCode: 137 },
    outcome: 'healed',
    reason: 'start_container succeeded on attempt 1',
    action: 'start_container',
    attempts: 1,
    durationMs: 1240,
    retest: 'Container running',
  });
  const db = finding({
    checkId: 'db',
    code: 'db_pool_exhausted',
    phase: 'data',
    target: 'postgres shop@127.0.0.1:5432',
    message: 'Database connection pool 94% full (91/97 client backends)',
    evidence: { used: 91, usable: 97 },
    outcome: 'healed',
    reason: 'terminate_idle_connections succeeded on attempt 1',
    action: 'terminate_idle_connections',
    attempts: 1,
    durationMs: 910,
    retest: 'pool 41% (40/97)',
  });
  const cache = finding({
    checkId: 'cache',
    code: 'redis_not_responding',
    phase: 'data',
    target: 'redis 127.0.0.1:6379',
    message: 'Redis not responding to PING (connection refused)',
    outcome: 'recovered',
    reason: 'passed on re-test after redis was healed',
    durationMs: 180,
    retest: 'Redis now responding',
  });
  const app = finding({
    checkId: 'app',
    code: 'container_unhealthy',
    target: 'shop-app-1',
    message: "Docker container 'shop-app-1' unhealthy",
    evidence: { health: 'unhealthy', failingStreak: 7 },
    outcome: 'failed',
    reason: 'restart_container did not fix it after 3 attempts',
    action: 'restart_container',
    attempts: 3,
    durationMs: 56_300,
    failure: {
      attempted: 'restart_container (3 times)',
      attempts: 3,
      lastError:
        'action ran (Container restarted) but the re-test still fails: health is unhealthy after 10 s (healthcheck: curl -f http://localhost:8000/health exited 7: Failed to connect to localhost port 8000: Connection refused)',
      recommendation:
        'Read the container logs (docker logs shop-app-1) and fix the application before deploying; restarting does not help',
    },
  });
  const worker = finding({
    checkId: 'email-worker',
    code: 'worker_down',
    phase: 'workers',
    target: 'shop-email-worker-1',
    message: "Worker container 'shop-email-worker-1' not running",
    outcome: 'blocked_by_dependency',
    reason: 'not healed: its dependency app is still failing',
    action: 'restart_worker',
  });
  const api = finding({
    checkId: 'api',
    code: 'endpoint_down',
    phase: 'application',
    target: 'http://localhost:8000/health',
    message: 'GET http://localhost:8000/health failed: connection refused',
    outcome: 'blocked_by_dependency',
    reason: 'not healed: its dependency app is still failing',
    action: 'restart_service',
    risk: 'medium',
  });
  const errors = finding({
    checkId: 'app-errors',
    code: 'high_error_rate',
    phase: 'application',
    target: 'shop-app-1',
    message: '212 error lines in the last 5 min (threshold 50)',
    outcome: 'awaiting_approval',
    reason: 'restart_application is high risk and needs approval',
    action: 'restart_application',
    risk: 'high',
    plan: 'restart_application on shop-app-1 (high risk)',
  });
  const findings = [redis, app, db, cache, worker, api, errors];

  const actions: ActionRecord[] = [
    {
      timestamp: at(2.1),
      issue: redis.message,
      code: redis.code,
      checkId: 'redis',
      target: redis.target,
      action: 'start_container',
      category: 'container',
      attempt: 1,
      success: true,
      details: 'Container started successfully; re-test: Container running',
      durationMs: 1240,
      actionMs: 160,
    },
    ...[0, 1, 2].map((i): ActionRecord => ({
      timestamp: at(4.0 + i * 22.1),
      issue: app.message,
      code: app.code,
      checkId: 'app',
      target: app.target,
      action: 'restart_container',
      category: 'container',
      attempt: i + 1,
      success: false,
      details:
        i < 2
          ? 'action ran (Container restarted) but the re-test still fails: health is unhealthy after 10 s'
          : app.failure!.lastError,
      durationMs: 12_100,
      actionMs: 2_100,
    })),
    {
      timestamp: at(63.2),
      issue: db.message,
      code: db.code,
      checkId: 'db',
      target: db.target,
      action: 'terminate_idle_connections',
      category: 'database',
      attempt: 1,
      success: true,
      details: 'Terminated 51 idle connections (idle > 5 min); re-test: pool 41% (40/97)',
      durationMs: 910,
      actionMs: 320,
    },
  ];

  const phases: RunReport['phases'] = [
    {
      name: 'infrastructure',
      status: 'failed',
      durationMs: 58_200,
      checks: [
        check('redis', 'container', 'infrastructure', {
          status: 'healed',
          findings: [redis.id],
          summary: 'running',
        }),
        check('postgres', 'container', 'infrastructure', { summary: 'running, healthy' }),
        check('app', 'container', 'infrastructure', {
          status: 'failed',
          findings: [app.id],
          dependsOn: ['db', 'redis'],
          summary: 'running, unhealthy',
        }),
      ],
    },
    {
      name: 'data',
      status: 'healed',
      durationMs: 1_600,
      checks: [
        check('db', 'postgres', 'data', {
          status: 'healed',
          findings: [db.id],
          dependsOn: ['postgres'],
          summary: 'reachable, pool 41% (40/97)',
        }),
        check('cache', 'redis', 'data', {
          status: 'healed',
          findings: [cache.id],
          dependsOn: ['redis'],
          summary: 'responding, memory 12% of 256 MiB',
        }),
      ],
    },
    {
      name: 'workers',
      status: 'failed',
      durationMs: 300,
      checks: [
        check('tds-scheduler', 'worker', 'workers', {
          dependsOn: ['cache'],
          summary: 'heartbeat 14s old',
        }),
        check('email-worker', 'worker', 'workers', {
          status: 'failed',
          findings: [worker.id],
          dependsOn: ['app'],
          summary: 'not running',
        }),
      ],
    },
    {
      name: 'integrations',
      status: 'passed',
      durationMs: 90,
      checks: [
        check('zoho-sync', 'queue', 'integrations', {
          dependsOn: ['db'],
          summary: '3 pending, 0 processing, 0 failed, 0 dead',
        }),
      ],
    },
    {
      name: 'application',
      status: 'failed',
      durationMs: 5_400,
      checks: [
        check('api', 'http', 'application', {
          status: 'failed',
          findings: [api.id],
          dependsOn: ['app'],
          summary: 'connection refused',
        }),
        check('app-errors', 'logs', 'application', {
          status: 'failed',
          findings: [errors.id],
          dependsOn: ['app'],
          summary: '212 errors in the last 5 min (threshold 50)',
        }),
        check('disk', 'host', 'application', { summary: '38.2 GiB free on /' }),
        check('migrations', 'command', 'application', { summary: 'exit 0 in 2.3 s' }),
      ],
    },
  ];

  return {
    tool: { name: 'orixoon', version: '2.0.0' },
    startedAt: at(0),
    finishedAt: at(71.4),
    durationMs: 71_400,
    ...buildVerdict({ findings }),
    mode: {
      autoHeal: true,
      dryRun: false,
      discovered: false,
      configPath: `${SAMPLE_WORKSPACE}/.github/orixoon.yml`,
      phases: null,
    },
    run: {
      repository: 'acme/shop',
      sha: SAMPLE_SHA,
      pr: 42,
      url: SAMPLE_RUN_URL,
      workflow: 'deploy',
    },
    phases,
    findings,
    actions,
    auto_healing: {
      summary: { total_actions: 5, successful: 2, failed: 3, success_rate: '40%' },
      actions: actions.map((a) => ({
        timestamp: a.timestamp,
        issue: a.issue,
        action: a.action,
        success: a.success,
        details: a.details,
      })),
    },
    recommendations: [
      'Set idle_in_transaction_session_timeout (e.g. 5min) so PostgreSQL ends forgotten transactions itself',
      'Give shop-app-1 a HEALTHCHECK start period long enough for its migrations',
      `Add a pattern for 'ConnectionRefusedError' to ${SAMPLE_WORKSPACE}/.github/orixoon-patterns.json so the next run knows its fix`,
    ],
    errors: [],
    notes: [
      `Pattern 'deprecated-field' in ${SAMPLE_WORKSPACE}/.github/orixoon-patterns.json skipped: invalid regular expression`,
    ],
    approvals: [],
  };
}
