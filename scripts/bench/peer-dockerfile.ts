import { STAND_IN_IMAGES } from '../../test/fixtures/runtime-images.js';

/** One model file the peer Dockerfile downloads, as the aikitfile names it. */
export interface PeerModel {
  url: string;
  sha256: string;
  /** The file name under /models. */
  name: string;
}

/**
 * What a CPU aikitfile builds, written as a Dockerfile for the engine's built-in frontend: the
 * peer every bench figure is set against, so both sections measure the same file.
 */
export function peerDockerfile(fixtureUrl: string, models: readonly PeerModel[]): string {
  return [
    `FROM ${STAND_IN_IMAGES.base}`,
    ...models.map((m) => `ADD --link --chmod=444 --checksum=sha256:${m.sha256} ${m.url} /models/${m.name}`),
    `ADD --link --chmod=755 ${fixtureUrl}/localai/local-ai-amd64 /usr/bin/local-ai`,
    `COPY --link --from=${STAND_IN_IMAGES.backends['cpu-llama-cpp']} / /backends/cpu-llama-cpp/`,
    'COPY --link config.yaml /config.yaml',
    'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin CONFIG_FILE=/config.yaml',
    'WORKDIR /',
    'EXPOSE 8080',
    'ENTRYPOINT ["local-ai"]',
    'CMD ["--config-file=/config.yaml"]',
    '',
  ].join('\n');
}
