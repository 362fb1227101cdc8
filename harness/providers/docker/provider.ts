// Entry the runner loads for `--provider docker` (harness/runner/run.ts: providerFor).
import type { Provider } from '../provider.ts';
import { DockerProvider } from './docker-provider.ts';

export const createProvider = (): Provider => new DockerProvider();
