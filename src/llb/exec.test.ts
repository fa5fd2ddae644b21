import { describe, expect, it } from 'vitest';
import { dumpDefinition, marshal } from './index.js';
import { image } from './source.js';

type ExecDump = {
  Op: {
    exec?: {
      network?: string;
      mounts: { dest: string; mountType?: string; secretOpt?: Record<string, unknown> }[];
    };
  };
  OpMetadata: { caps?: Record<string, boolean> };
};

function execOf(optional: boolean | undefined, network?: 'host' | 'none') {
  const st = image('alpine:3.20').run({
    args: ['true'],
    ...(network ? { network } : {}),
    mounts: [
      {
        dest: '/run/secrets/docker-config',
        type: 'secret',
        secretId: 'docker-config',
        ...(optional === undefined ? {} : { optional }),
      },
    ],
  });
  const ops = dumpDefinition(marshal(st.root())) as unknown as ExecDump[];
  return ops.find((o) => o.Op.exec)!;
}

describe('exec secret mounts and network', () => {
  it('marks an optional secret (SecretOpt.optional, field 5)', () => {
    const { exec } = execOf(true).Op;
    const secret = exec!.mounts.find((m) => m.dest === '/run/secrets/docker-config')!;
    expect(secret.mountType).toBe('SECRET');
    expect(secret.secretOpt).toMatchObject({ ID: 'docker-config', optional: true, mode: 0o400 });
  });

  it('keeps secrets required by default', () => {
    const secret = execOf(undefined).Op.exec!.mounts.find((m) => m.secretOpt)!;
    expect(secret.secretOpt!['optional'] ?? false).toBe(false);
  });

  it('puts NetMode HOST (1) on the op and records exec.meta.network', () => {
    const op = execOf(true, 'host');
    expect(op.Op.exec!.network).toBe('HOST');
    expect(Object.keys(op.OpMetadata.caps ?? {})).toContain('exec.meta.network');
  });

  it('leaves the sandbox network unset and without the cap', () => {
    const op = execOf(true);
    expect(op.Op.exec!.network ?? 'UNSET').toBe('UNSET');
    expect(Object.keys(op.OpMetadata.caps ?? {})).not.toContain('exec.meta.network');
  });

  it('gives optional and required secrets different digests', () => {
    const a = marshal(
      image('alpine:3.20')
        .run({ args: ['true'], mounts: [{ dest: '/s', type: 'secret', optional: true }] })
        .root(),
    );
    const b = marshal(
      image('alpine:3.20')
        .run({ args: ['true'], mounts: [{ dest: '/s', type: 'secret' }] })
        .root(),
    );
    expect(a.def.at(-2)).not.toEqual(b.def.at(-2));
  });
});
