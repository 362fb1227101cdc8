// The docker provider's public surface.
export { DockerProvider, dockerProvider, type DockerProviderOptions } from './docker-provider.ts';
export { DockerCluster } from './docker-cluster.ts';
export {
  asDockerCluster,
  azParties,
  cutLinks,
  healAllLinks,
  healLinks,
  healOwner,
  isolate,
  NotDockerClusterError,
  type CutOptions,
  type LinkChange,
  type LinkPair,
} from './partition.ts';
export { crossingPairs, dockerNetActions, dockerPartitionAction } from './net-actions.ts';
export { healDockerRules, healDockerRun, leftovers, type DockerHealReport } from './heal.ts';
export { programImage, runtimeImage, type BuiltImage } from './image.ts';
export { gatewayId } from './names.ts';
export { dockerAvailable } from './runtime.ts';
export { FAULT_PROXY_ENTRY, type FaultProxyOptions, type RunProxyApi } from './fault-proxy.ts';
