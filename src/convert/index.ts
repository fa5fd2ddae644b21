export { ARTIFACT_ARGS, LOCALAI_VERSION, localaiArch, localaiUrlFor, resolveArtifacts } from './artifacts.js';
export { backendImageRef, baseImageRef, localaiSha256For } from './artifacts.js';
export type { ArtifactArg, Artifacts, CudaLibraries } from './artifacts.js';
export { BACKEND_IMAGES, BASE_IMAGES, LOCALAI_BINARY, LOCALAI_STACKS } from './catalog.js';
export type {
  BackendImage,
  BackendImageId,
  BaseImage,
  BaseImageId,
  LocalAIStack,
  LocalAIVersion,
} from './catalog.js';
export { convert } from './convert.js';
export { convertFinetune } from './finetune/index.js';
export type { FinetuneOptions, FinetuneResult } from './finetune/index.js';
export type { ConvertOptions, ConvertResult } from './convert.js';
export { DEFAULT_PATH, imageConfig, modelLabels } from './image-config.js';
export type { ImageConfig } from './image-config.js';
export { stackingFor, type Stacking } from './layers.js';
export { checkMatrix, planTarget } from './matrix.js';
export type { PlanOptions, TargetPlan } from './matrix.js';
export { modelFiles } from './models.js';
export type { ModelFile, ModelSourceOptions } from './models.js';
export {
  hfResolveUrl,
  metadataRequests,
  placeholderMetadata,
  SOURCE_ARGS,
  sourceSettings,
} from './models.js';
export type { Metadata, MetadataRequest, SourceSettings } from './models.js';
export { BUILD_ARGS, buildArgsReadBy, CHECK_ARG, SBOM_ARG, unusedBuildArgs } from './build-args.js';
export { TARGETS, targetsFor } from './targets.js';
export type { TargetInfo } from './targets.js';
export type { BuildArg, BuildArgInfo } from './build-args.js';
export { imageKey, readMetadata, resolveImages } from './resolve.js';
export type { ImageDigests, ImageResolver, MetadataFetcher, ResolvedImage } from './resolve.js';
export { runtimeImageRefs } from './servers/index.js';
export { huggingFaceSpec, isPackageTarget, packageArgs, packageGraph, writeLayout } from './package/index.js';
export { PACKAGE_TARGETS, PACKAGER_IMAGE_ARG } from './package/index.js';
export type {
  PackageArgs,
  PackageGraphOptions,
  PackageJob,
  PackageTarget,
  PackageTool,
} from './package/index.js';
export * from './lock/index.js';
export {
  inventory,
  serializeSpdx,
  SPDX_PREDICATE_TYPE,
  spdxDocument,
  spdxTime,
  toolImageRefs,
} from './bom/index.js';
export type { Inventory, SpdxDocument } from './bom/index.js';
