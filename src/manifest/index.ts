/**
 * The desired-state manifest (docs/manifest.md, docs/schema/manifest.schema.json): read, checked
 * whole, and turned into the Manifest of src/model/desired.ts.
 */
export { loadManifest, type KeepBytes, type LoadOptions, type LoadedManifest } from './load.js';
export { parseManifest, type ManifestEntry, type ManifestHypervisor, type ParseOptions, type ParsedManifest } from './parse.js';
export { ManifestError, MAX_PROBLEMS, formatProblem, type ManifestProblem } from './problems.js';
export { MAX_MANIFEST_SIZE } from './read.js';
