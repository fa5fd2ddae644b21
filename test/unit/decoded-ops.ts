import { dumpDefinition, type Definition } from '../../src/llb/index.js';

// The ops of a marshalled definition, decoded and typed as far as the fine-tune tests read them.

export interface DecodedMount {
  dest: string;
  readonly?: boolean;
  mountType?: string;
  cacheOpt?: { ID: string; sharing?: string };
}

export interface DecodedExec {
  meta: { args: string[]; env?: string[]; cwd?: string };
  network?: string;
  security?: string;
  cdiDevices?: { name: string; optional?: boolean }[];
  mounts: DecodedMount[];
  /** The op's caps, from its metadata. */
  caps: string[];
}

export interface DecodedSource {
  identifier: string;
  attrs?: Record<string, string>;
}

export interface DecodedFile {
  actions: { copy?: Record<string, unknown>; mkfile?: { path: string; data: string } }[];
}

export interface DecodedOps {
  execs: DecodedExec[];
  sources: DecodedSource[];
  files: DecodedFile[];
  digests: string[];
  names: string[];
}

export function decodedOps(def: Definition): DecodedOps {
  const dump = dumpDefinition(def);
  const out: DecodedOps = { execs: [], sources: [], files: [], digests: [], names: [] };
  for (const e of dump) {
    out.digests.push(e.Digest);
    const description = e.OpMetadata['description'] as Record<string, string> | undefined;
    if (description?.['llb.customname']) out.names.push(description['llb.customname']);
    const exec = e.Op['exec'] as Omit<DecodedExec, 'caps'> | undefined;
    if (exec)
      out.execs.push({ ...exec, caps: Object.keys((e.OpMetadata['caps'] as object | undefined) ?? {}) });
    const source = e.Op['source'] as DecodedSource | undefined;
    if (source) out.sources.push(source);
    const file = e.Op['file'] as DecodedFile | undefined;
    if (file) out.files.push(file);
  }
  return out;
}
