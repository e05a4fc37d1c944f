// Paths shown to people are relative to the workspace: pure helpers, given the workspace directory.
import { describe, expect, it } from 'vitest';
import { relativePath, relativizeReport, relativizeText, workspaceDir } from '../../src/report/paths.js';

const WS = '/home/runner/work/shop/shop';

describe('workspace-relative paths', () => {
  it('makes a path inside the workspace relative and leaves others alone', () => {
    expect(relativePath(`${WS}/.github/orixoon.yml`, WS)).toBe('.github/orixoon.yml');
    expect(relativePath(`${WS}/.github/orixoon.yml`, `${WS}/`)).toBe('.github/orixoon.yml');
    expect(relativePath(WS, WS)).toBe('.');
    expect(relativePath('/etc/orixoon.yml', WS)).toBe('/etc/orixoon.yml');
    // A sibling whose name starts like the workspace is not inside it.
    expect(relativePath(`${WS}-old/x.yml`, WS)).toBe(`${WS}-old/x.yml`);
    expect(relativePath('.github/orixoon.yml', WS)).toBe('.github/orixoon.yml');
  });

  it('rewrites every mention in free text, on Linux and Windows runners', () => {
    expect(
      relativizeText(
        `Log file ${WS}/logs/app.log not readable; config '${WS}/.github/orixoon.yml' (cwd ${WS}), not ${WS}ping/x`,
        WS,
      ),
    ).toBe(`Log file logs/app.log not readable; config '.github/orixoon.yml' (cwd .), not ${WS}ping/x`);
    expect(
      relativizeText('D:\\a\\shop\\shop\\logs\\app.log and D:/a/shop/shop/x.yml', 'D:\\a\\shop\\shop'),
    ).toBe('logs\\app.log and x.yml');
  });

  it('ignores a workspace that would make every absolute path relative', () => {
    expect(relativizeText('/etc/passwd', '/')).toBe('/etc/passwd');
    expect(relativizeText('C:\\x', 'C:\\')).toBe('C:\\x');
    expect(relativizeText(`${WS}/a`, undefined)).toBe(`${WS}/a`);
  });

  it('copies a report with every string made relative, the original untouched', () => {
    const report = {
      mode: { configPath: `${WS}/o.yml` },
      notes: [`see ${WS}/x`],
      n: 3,
      ok: true,
      none: null,
    };
    const copy = relativizeReport(report, WS);
    expect(copy).toEqual({ mode: { configPath: 'o.yml' }, notes: ['see x'], n: 3, ok: true, none: null });
    expect(report.mode.configPath).toBe(`${WS}/o.yml`);
  });

  it('takes the workspace from GITHUB_WORKSPACE, else the working directory', () => {
    expect(workspaceDir({ GITHUB_WORKSPACE: WS }, '/tmp')).toBe(WS);
    expect(workspaceDir({}, '/tmp/x')).toBe('/tmp/x');
    expect(workspaceDir({ GITHUB_WORKSPACE: ' ' }, '/tmp/x')).toBe('/tmp/x');
  });
});
