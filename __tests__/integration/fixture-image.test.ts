// The fixture image every integration test runs its containers from. A new machine once built it with
// a root directory of mode 0700 (`mktemp -d` + `tar -C dir .`), and every container that runs as a
// non-root user (PostgreSQL as uid postgres) died with `stat /bin/sh: permission denied`.
import { afterAll, describe, expect, it } from 'vitest';
import {
  docker,
  ensureFixtureImage,
  FIXTURE_IMAGE,
  FIXTURE_RECIPE,
  removeSuite,
  runContainer,
} from '../helpers/docker.js';

const SUITE = 'fixture-image';

afterAll(async () => {
  await removeSuite(SUITE);
});

describe('fixture image', () => {
  it('carries the recipe label and a root directory every user can traverse', async () => {
    await ensureFixtureImage();
    const label = await docker(
      'image',
      'inspect',
      '--format',
      '{{index .Config.Labels "orixoon.fixture.recipe"}}',
      FIXTURE_IMAGE,
    );
    expect(label).toBe(FIXTURE_RECIPE);
  });

  it('runs a container as a non-root user (nobody, 65534:65534)', async () => {
    await runContainer({
      name: 'orixoon-fixture-nonroot',
      suite: SUITE,
      user: '65534:65534',
      createOnly: true,
      cmd: ['/bin/sh', '-c', 'id -u; stat -c %a /'],
    });
    await docker('start', '-a', 'orixoon-fixture-nonroot').catch(() => '');
    const state = JSON.parse(await docker('inspect', 'orixoon-fixture-nonroot'))[0].State as {
      ExitCode: number;
    };
    const logs = await docker('logs', 'orixoon-fixture-nonroot');
    expect(logs.split('\n')).toEqual(['65534', '755']);
    expect(state.ExitCode).toBe(0);
  });
});
