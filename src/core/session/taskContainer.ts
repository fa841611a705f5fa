// The ContainerInfo of a task whose Flink comes from an image: the Docker containerizer (force pull, volumes, docker run
// parameters, HOST or BRIDGE network with the offered ports mapped) or the Mesos containerizer running the Docker image.
import type { ContainerInfo } from '../mesos/types';
import type { FlinkLocation } from './SessionOptions';
import { DEFAULT_IMAGE_FLINK_HOME, type ContainerOptions } from './taskOptions';

export const DEFAULT_CONTAINER: ContainerOptions = {
  containerizer: 'docker', flinkHome: DEFAULT_IMAGE_FLINK_HOME, forcePull: false, volumes: [], parameters: [], network: 'HOST',
};

/** The container of one task; ports are the task's own (mapped one to one in BRIDGE mode). */
export function containerInfo(location: FlinkLocation, options: ContainerOptions = DEFAULT_CONTAINER, ports: number[] = []): ContainerInfo | undefined {
  if (location.kind !== 'docker') return undefined;
  const volumes = options.volumes.map((v) => (v.hostPath ? { container_path: v.containerPath, host_path: v.hostPath, mode: v.mode } : { container_path: v.containerPath, mode: v.mode }));
  if (options.containerizer === 'mesos') {
    const info: ContainerInfo = { type: 'MESOS', mesos: { image: { type: 'DOCKER', docker: { name: location.image }, ...(options.forcePull ? { cached: false } : {}) } } };
    if (volumes.length > 0) info.volumes = volumes;
    return info;
  }
  const docker: NonNullable<ContainerInfo['docker']> = { image: location.image, network: options.network };
  if (options.forcePull) docker.force_pull_image = true;
  if (options.parameters.length > 0) docker.parameters = options.parameters.map((p) => ({ key: p.key, value: p.value }));
  // BRIDGE: each port the task took from the offer is published on the same number inside the container, so Flink's
  // configuration (the advertised ports) stays as in HOST mode.
  if (options.network === 'BRIDGE') docker.port_mappings = ports.map((p) => ({ host_port: p, container_port: p, protocol: 'tcp' }));
  const info: ContainerInfo = { type: 'DOCKER', docker };
  if (volumes.length > 0) info.volumes = volumes;
  return info;
}
