export { isPackageTarget, packageArgs, PACKAGE_TARGETS, PACKAGER_IMAGE_ARG } from './args.js';
export type { PackageArgs, PackageSource, PackageTarget } from './args.js';
export { packageGraph } from './graph.js';
export type { PackageGraphOptions, PackageTool } from './graph.js';
export { huggingFaceSpec } from './hf.js';
export { writeLayout } from './writer.js';
export type { PackageJob } from './writer.js';
