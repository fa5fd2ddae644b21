import { createHash } from 'node:crypto';
import { formatPlatform } from '../../llb/index.js';
import type { ImageEntry, Inventory, ModelFileEntry, RuntimeEntry } from './inventory.js';
import { imageParts } from './inventory.js';

// The bill of materials as an SPDX 2.3 JSON document, the predicate BuildKit's own SBOMs carry
// (`https://spdx.dev/Document`), so `docker buildx imagetools inspect --format '{{json .SBOM}}'`
// and SBOM tools read it like any other. Model files are packages with the purpose FILE: SPDX
// files must carry a SHA1, which nobody publishes for model weights; packages may carry SHA256
// alone. SPDX 2.3 has no size field: a file's size is in its comment, as `size <n> bytes`.

export const SPDX_PREDICATE_TYPE = 'https://spdx.dev/Document';

/** Where the document namespaces live; a namespace is this plus the document's own hash. */
const NAMESPACE_BASE = 'https://github.com/kaito-project/aikit/spdx';

interface Checksum {
  algorithm: 'SHA256';
  checksumValue: string;
}

interface ExternalRef {
  referenceCategory: 'PACKAGE-MANAGER';
  referenceType: 'purl';
  referenceLocator: string;
}

export interface SpdxPackage {
  SPDXID: string;
  name: string;
  versionInfo?: string;
  packageFileName?: string;
  downloadLocation: string;
  filesAnalyzed: false;
  checksums?: Checksum[];
  licenseConcluded: string;
  licenseDeclared: string;
  copyrightText: string;
  primaryPackagePurpose: 'CONTAINER' | 'FILE' | 'APPLICATION';
  externalRefs?: ExternalRef[];
  comment?: string;
}

export interface SpdxDocument {
  spdxVersion: 'SPDX-2.3';
  dataLicense: 'CC0-1.0';
  SPDXID: 'SPDXRef-DOCUMENT';
  name: string;
  documentNamespace: string;
  creationInfo: { created: string; creators: string[] };
  packages: SpdxPackage[];
  relationships: { spdxElementId: string; relationshipType: string; relatedSpdxElement: string }[];
  hasExtractedLicensingInfos?: { licenseId: string; extractedText: string; name: string }[];
}

export interface SpdxOptions {
  /** RFC 3339 UTC time without fractions (SOURCE_DATE_EPOCH when the build has one). */
  created: string;
}

const NOASSERTION = 'NOASSERTION';
const IMAGE_ID = 'SPDXRef-Image';

/** The SPDX document of one platform's image. */
export function spdxDocument(inv: Inventory, opts: SpdxOptions): SpdxDocument {
  const platform = formatPlatform(inv.platform);
  const licenses = new LicenseTable();
  const packages: SpdxPackage[] = [
    {
      SPDXID: IMAGE_ID,
      name: `aikit image (${platform})`,
      downloadLocation: NOASSERTION,
      filesAnalyzed: false,
      licenseConcluded: NOASSERTION,
      licenseDeclared: NOASSERTION,
      copyrightText: NOASSERTION,
      primaryPackagePurpose: 'CONTAINER',
      comment: `model image built by aikit for ${platform}`,
    },
  ];
  const relationships: SpdxDocument['relationships'] = [
    { spdxElementId: 'SPDXRef-DOCUMENT', relationshipType: 'DESCRIBES', relatedSpdxElement: IMAGE_ID },
  ];
  const relate = (from: string, type: string, to: string) =>
    relationships.push({ spdxElementId: from, relationshipType: type, relatedSpdxElement: to });

  inv.files.forEach((f, i) => {
    const id = `SPDXRef-Model-${i + 1}`;
    packages.push(modelPackage(id, f, licenses));
    relate(IMAGE_ID, 'CONTAINS', id);
  });
  if (inv.runtime) {
    packages.push(runtimePackage(inv.runtime));
    relate(IMAGE_ID, 'CONTAINS', 'SPDXRef-Runtime');
  }
  inv.images.forEach((img, i) => {
    const id = `SPDXRef-SourceImage-${i + 1}`;
    packages.push(imagePackage(id, img, platform));
    if (img.role === 'base') relate(IMAGE_ID, 'DESCENDANT_OF', id);
    else if (img.role === 'content') relate(IMAGE_ID, 'CONTAINS', id);
    else relate(id, 'BUILD_TOOL_OF', IMAGE_ID);
  });

  const body: Omit<SpdxDocument, 'documentNamespace'> = {
    spdxVersion: 'SPDX-2.3',
    dataLicense: 'CC0-1.0',
    SPDXID: 'SPDXRef-DOCUMENT',
    name: `aikit-${platform.replaceAll('/', '-')}`,
    creationInfo: { created: opts.created, creators: ['Tool: aikit'] },
    packages,
    relationships,
    ...(licenses.extracted.length > 0 ? { hasExtractedLicensingInfos: licenses.extracted } : {}),
  };
  // Unique per content, and the same for the same inputs: a reproducible build gets the same BOM.
  const hash = createHash('sha256').update(JSON.stringify(body)).digest('hex');
  const { spdxVersion, dataLicense, SPDXID, name, ...rest } = body;
  return {
    spdxVersion,
    dataLicense,
    SPDXID,
    name,
    documentNamespace: `${NAMESPACE_BASE}/${name}-${hash}`,
    ...rest,
  };
}

/** The document as the file the attestation points at: stable key order, two-space indent. */
export function serializeSpdx(doc: SpdxDocument): Buffer {
  return Buffer.from(`${JSON.stringify(doc, null, 2)}\n`);
}

/** `SOURCE_DATE_EPOCH` seconds (or now) as SPDX's `created`. */
export function spdxTime(epochSeconds: number | undefined, now: Date = new Date()): string {
  const d = epochSeconds !== undefined ? new Date(epochSeconds * 1000) : now;
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function modelPackage(id: string, f: ModelFileEntry, licenses: LicenseTable): SpdxPackage {
  const notes = [
    `model ${JSON.stringify(f.model)} from ${f.source}`,
    f.size !== undefined ? `size ${f.size} bytes` : 'size not known before the build',
    ...(f.revision !== undefined && !f.resolved
      ? ['revision as written in the aikitfile, not resolved']
      : []),
    ...(f.sha256 === undefined ? ['no checksum: pin it with sha256 in the aikitfile'] : []),
  ];
  const license = f.license !== undefined ? licenses.expression(f.license) : NOASSERTION;
  return {
    SPDXID: id,
    name: f.path.replace(/^\/models\//, ''),
    ...(f.revision !== undefined ? { versionInfo: f.revision } : {}),
    packageFileName: f.path,
    downloadLocation: f.downloadLocation ?? NOASSERTION,
    filesAnalyzed: false,
    ...(f.sha256 ? { checksums: [sha256Checksum(f.sha256)] } : {}),
    licenseConcluded: NOASSERTION,
    licenseDeclared: license,
    copyrightText: NOASSERTION,
    primaryPackagePurpose: 'FILE',
    ...(f.purl ? { externalRefs: [purlRef(f.purl)] } : {}),
    comment: notes.join('; '),
  };
}

function runtimePackage(r: RuntimeEntry): SpdxPackage {
  const qualifiers = [
    `download_url=${encodeURIComponent(r.downloadLocation)}`,
    ...(r.sha256 ? [`checksum=${encodeURIComponent(r.sha256)}`] : []),
  ];
  return {
    SPDXID: 'SPDXRef-Runtime',
    name: r.name,
    versionInfo: r.version,
    packageFileName: r.path,
    downloadLocation: r.downloadLocation,
    filesAnalyzed: false,
    ...(r.sha256 ? { checksums: [sha256Checksum(r.sha256)] } : {}),
    licenseConcluded: NOASSERTION,
    licenseDeclared: NOASSERTION,
    copyrightText: NOASSERTION,
    primaryPackagePurpose: 'APPLICATION',
    externalRefs: [purlRef(`pkg:generic/${r.name}@${encodeURIComponent(r.version)}?${qualifiers.join('&')}`)],
    ...(r.sha256 ? {} : { comment: 'no checksum: the download is not pinned (AIKIT_LOCALAI_SHA256)' }),
  };
}

function imagePackage(id: string, img: ImageEntry, platform: string): SpdxPackage {
  const { repository, tag } = imageParts(img.ref);
  const qualifiers = [
    `repository_url=${encodeURIComponent(repository)}`,
    ...(tag ? [`tag=${encodeURIComponent(tag)}`] : []),
    `platform=${encodeURIComponent(platform)}`,
  ];
  const role = {
    base: 'base image',
    content: 'files copied from this image',
    tool: 'a build step ran in this image',
  };
  return {
    SPDXID: id,
    name: img.ref,
    ...(img.digest ? { versionInfo: img.digest } : {}),
    downloadLocation: NOASSERTION,
    filesAnalyzed: false,
    ...(img.digest ? { checksums: [sha256Checksum(img.digest)] } : {}),
    licenseConcluded: NOASSERTION,
    licenseDeclared: NOASSERTION,
    copyrightText: NOASSERTION,
    primaryPackagePurpose: 'CONTAINER',
    ...(img.digest
      ? {
          externalRefs: [
            purlRef(
              `pkg:oci/${repository.split('/').pop()!}@${encodeURIComponent(img.digest)}?${qualifiers.join('&')}`,
            ),
          ],
        }
      : {}),
    comment: `${role[img.role]}${img.digest ? '' : '; no digest: the engine resolved none'}`,
  };
}

const sha256Checksum = (digest: string): Checksum => ({
  algorithm: 'SHA256',
  checksumValue: digest.replace(/^sha256:/, ''),
});

const purlRef = (locator: string): ExternalRef => ({
  referenceCategory: 'PACKAGE-MANAGER',
  referenceType: 'purl',
  referenceLocator: locator,
});

// SPDX identifiers of the licenses the Hub offers (its license list), lower-cased; the Hub's
// others (llama2, llama3, gemma, other, ...) become LicenseRef- entries quoting the Hub's id.
const SPDX_LICENSES = new Map(
  [
    'Apache-2.0',
    'MIT',
    'BSD-2-Clause',
    'BSD-3-Clause',
    'BSD-3-Clause-Clear',
    'BSL-1.0',
    'CC0-1.0',
    'CC-BY-2.0',
    'CC-BY-2.5',
    'CC-BY-3.0',
    'CC-BY-4.0',
    'CC-BY-SA-3.0',
    'CC-BY-SA-4.0',
    'CC-BY-NC-2.0',
    'CC-BY-NC-3.0',
    'CC-BY-NC-4.0',
    'CC-BY-NC-ND-3.0',
    'CC-BY-NC-ND-4.0',
    'CC-BY-NC-SA-2.0',
    'CC-BY-NC-SA-3.0',
    'CC-BY-NC-SA-4.0',
    'CC-BY-ND-4.0',
    'GPL-2.0',
    'GPL-3.0',
    'LGPL-2.1',
    'LGPL-3.0',
    'AGPL-3.0',
    'MPL-2.0',
    'EPL-1.0',
    'EPL-2.0',
    'Artistic-2.0',
    'ISC',
    'Unlicense',
    'Zlib',
    'OpenRAIL',
    'WTFPL',
    'PDDL-1.0',
    'ODbL-1.0',
    'ODC-By-1.0',
    'AFL-3.0',
    'ECL-2.0',
    'OSL-3.0',
    'LPPL-1.3c',
    'NCSA',
    'PostgreSQL',
    'OFL-1.1',
    'CDLA-Sharing-1.0',
    'CDLA-Permissive-1.0',
    'CDLA-Permissive-2.0',
    'EUPL-1.1',
    'EUPL-1.2',
    'GFDL-1.3',
    'C-UDA-1.0',
  ].map((id) => [id.toLowerCase(), id]),
);

class LicenseTable {
  readonly extracted: { licenseId: string; extractedText: string; name: string }[] = [];

  /** An SPDX license expression for the Hub's license ids (`a OR b` when the card lists several). */
  expression(hub: string): string {
    return hub
      .split(' OR ')
      .map((id) => SPDX_LICENSES.get(id.trim().toLowerCase()) ?? this.ref(id.trim()))
      .join(' OR ');
  }

  private ref(hubId: string): string {
    const licenseId = `LicenseRef-${hubId.replace(/[^A-Za-z0-9.-]/g, '-') || 'unknown'}`;
    if (!this.extracted.some((e) => e.licenseId === licenseId)) {
      this.extracted.push({
        licenseId,
        name: hubId,
        extractedText: `The Hugging Face Hub gives this model's license as "${hubId}"; see the model card.`,
      });
    }
    return licenseId;
  }
}
