// The reference cluster's node image, made with no registry: the local Node binary
// and its libraries (`docker import`), plus node-main.ts bundled into one .mjs file.
// Tagged by content hash: `gameday-reference-node-main:<hash>`; a second build is a
// cache hit. The docker provider builds it by itself on `--provider docker`; run this
// file to build it ahead of time:  node --import tsx targets/reference/image.ts
// (targets/reference/Dockerfile builds the same program on node:20-slim for people
// who can pull base images.)

import { programImage, type BuiltImage } from '../../harness/providers/docker/image.ts';

export const REFERENCE_ENTRY = 'targets/reference/node-main.ts';
/** Same name the docker provider gives it (`<target>-<entry basename>`), so either build is reused. */
export const REFERENCE_IMAGE_NAME = 'reference-node-main';

export function buildReferenceImage(): Promise<BuiltImage> {
  return programImage(REFERENCE_IMAGE_NAME, REFERENCE_ENTRY);
}

if (process.argv[1]?.endsWith('targets/reference/image.ts')) {
  buildReferenceImage().then(
    (img) => process.stdout.write(`${img.tag}  (${img.built ? 'built' : 'cached'} in ${img.ms.toFixed(0)} ms)\n`),
    (err: Error) => {
      process.stderr.write(`error: ${err.message}\n  fix: start a Docker daemon (gameday doctor says what is missing)\n`);
      process.exitCode = 2;
    },
  );
}
