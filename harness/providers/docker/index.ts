// The docker provider's public surface.
export { DockerProvider, dockerProvider, type DockerProviderOptions } from './docker-provider.ts';
export { DockerCluster } from './docker-cluster.ts';
export { asDockerCluster, azParties, cutLinks, healAllLinks, healLinks, isolate, NotDockerClusterError, type LinkChange, type LinkPair } from './partition.ts';
export { healDockerRules, healDockerRun, leftovers, type DockerHealReport } from './heal.ts';
export { programImage, runtimeImage, type BuiltImage } from './image.ts';
export { gatewayId } from './names.ts';
export { dockerAvailable } from './runtime.ts';
