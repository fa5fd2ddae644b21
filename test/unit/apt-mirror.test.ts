// scripts/lib/apt.sh finds the Debian mirror in the machine's own apt sources, both formats,
// so that the engine and image scripts work behind a company mirror without a setting.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const LIB = resolve(import.meta.dirname, '../../scripts/lib/apt.sh');
const KEYRING = 'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg';

let etc: string;
beforeEach(() => {
  etc = mkdtempSync(join(tmpdir(), 'aikit-apt-'));
});
afterEach(() => {
  rmSync(etc, { recursive: true, force: true });
});

function write(files: Record<string, string>): void {
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(etc, name)), { recursive: true });
    writeFileSync(join(etc, name), text);
  }
}

/** Runs `snippet` with the library sourced, AIKIT_APT_ETC pointing at the temp dir. */
function sh(snippet: string, env: Record<string, string> = {}) {
  const clean = { ...process.env };
  delete clean['AIKIT_DEBIAN_MIRROR'];
  const r = spawnSync('bash', ['-c', `source "$0"; ${snippet}`, LIB], {
    env: { ...clean, AIKIT_APT_ETC: etc, ...env },
    encoding: 'utf8',
  });
  return { code: r.status, stdout: r.stdout.trim(), stderr: r.stderr.trim() };
}

const mirror = (env: Record<string, string> = {}) => sh('debian_mirror', env);

describe('debian_mirror', () => {
  it('reads the one-line format of sources.list, past security and third-party lines', () => {
    write({
      'sources.list': [
        '# deb http://old.example/debian bookworm main',
        'deb http://security.corp.example/debian-security bookworm-security main',
        'deb-src http://src.corp.example/debian bookworm main',
        'deb [arch=amd64] https://apt.vendor.example/repo nodistro main',
        'deb [ arch=amd64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg ] http://mirror.corp.example/debian/ bookworm main contrib',
        '',
      ].join('\n'),
    });
    expect(mirror()).toEqual({ code: 0, stdout: 'http://mirror.corp.example/debian', stderr: '' });
  });

  it('reads the deb822 format of sources.list.d/*.sources', () => {
    write({
      'sources.list.d/debian.sources': [
        'Types: deb',
        '# http://snapshot.example/archive/debian-security/20250520T000000Z',
        'URIs: http://deb.corp.example/debian-security',
        'Suites: trixie-security',
        'Components: main',
        KEYRING,
        '',
        'Types: deb deb-src',
        'Enabled: no',
        'URIs: http://disabled.example/debian',
        'Suites: trixie',
        'Components: main',
        '',
        'Types: deb-src deb',
        '# a comment inside the stanza',
        'URIs:',
        '  https://deb.corp.example/debian/',
        '  http://second.example/debian',
        'Suites: trixie trixie-updates',
        'Components: main',
        KEYRING,
      ].join('\n'),
    });
    expect(mirror()).toEqual({ code: 0, stdout: 'https://deb.corp.example/debian', stderr: '' });
  });

  it('takes sources.list first, then sources.list.d in order, ignoring other file names', () => {
    write({
      'sources.list': 'deb https://apt.vendor.example/repo cloud-sdk-bookworm main\n',
      'sources.list.d/a.list.disabled': 'deb http://disabled.example/debian bookworm main\n',
      'sources.list.d/b-vendor.sources':
        'Types: deb\nURIs: https://deb.vendor.example/node\nSuites: nodistro\n',
      'sources.list.d/c-debian.list': 'deb http://c.example/debian sid main\n',
      'sources.list.d/d-debian.sources': 'Types: deb\nURIs: http://d.example/debian\nSuites: sid\n',
    });
    expect(mirror().stdout).toBe('http://c.example/debian');
    write({ 'sources.list': 'deb http://first.example/debian bookworm-backports main\n' });
    expect(mirror().stdout).toBe('http://first.example/debian');
  });

  it('fails with a hint when no source is a Debian archive', () => {
    write({
      'sources.list.d/vendor.sources':
        'Types: deb\nURIs: https://deb.vendor.example/node\nSuites: nodistro\n',
      'sources.list.d/security.list': 'deb http://security.example/debian-security bookworm-security main\n',
    });
    const r = mirror();
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('set AIKIT_DEBIAN_MIRROR');
  });

  it('gives AIKIT_DEBIAN_MIRROR precedence over the sources', () => {
    write({ 'sources.list': 'deb http://mirror.corp.example/debian bookworm main\n' });
    expect(mirror({ AIKIT_DEBIAN_MIRROR: 'http://override.example/debian/' }).stdout).toBe(
      'http://override.example/debian',
    );
  });

  it('writes the private sources list of a suite with that mirror', () => {
    write({
      'sources.list.d/debian.sources':
        'Types: deb\nURIs: http://mirror.corp.example/debian\nSuites: bookworm\n',
    });
    const dir = join(etc, 'private');
    expect(sh(`private_apt_init "${dir}" sid`).code).toBe(0);
    expect(readFileSync(join(dir, 'sources.list'), 'utf8')).toBe(
      'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://mirror.corp.example/debian sid main\n',
    );
    expect(
      execFileSync('ls', [join(dir, 'lists'), join(dir, 'apt-cache/archives')], { encoding: 'utf8' }),
    ).toContain('partial');
  });
});
