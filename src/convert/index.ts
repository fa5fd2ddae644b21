export { ARTIFACT_ARGS, LOCALAI_VERSION, localaiArch, localaiUrlFor, resolveArtifacts } from './artifacts.js';
export type { ArtifactArg, Artifacts } from './artifacts.js';
export { convert } from './convert.js';
export { redactUrl } from './naming.js';
export type { ConvertOptions, ConvertResult } from './convert.js';
export { DEFAULT_PATH, imageConfig, modelLabels } from './image-config.js';
export type { ImageConfig } from './image-config.js';
export { metadataRequests, modelFiles, SOURCE_ARGS, sourceSettings } from './models.js';
export type { Metadata, MetadataRequest, ModelFile, ModelSourceOptions, SourceSettings } from './models.js';
