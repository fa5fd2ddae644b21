import type { InferenceSpec, Model } from '../../aikitfile/index.js';
import { metadataRequests, type MetadataRequest, type SourceSettings } from '../models.js';
import { hfFiles, type HfFiles } from '../remote-documents.js';

// The documents the lock target reads about a model, made by the same code that makes a
// build's requests, so the lock resolves through the same mirrors, secrets and registry steps.

/**
 * The one document that pins a remote model: the Hub listing at its revision (for a single file
 * too: it names the commit and the file's sha256), or the manifest its tag points at.
 */
export function lockRequest(
  spec: InferenceSpec,
  model: Model,
  settings: SourceSettings,
): MetadataRequest | undefined {
  const src = model.source;
  const asked = src.kind === 'huggingface' ? { ...model, source: { ...src, file: undefined } } : model;
  return metadataRequests({ ...spec, models: [asked] }, settings, new Map())[0];
}

/** The files of a Hub listing (the build's own parser: same skipped files, same path checks). */
export function listedFiles(doc: Uint8Array, model: Model): HfFiles {
  return hfFiles(doc, model);
}
