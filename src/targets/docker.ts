// Docker target (dockerode). Being implemented; this stub keeps the tree building.
export interface DockerSettings {
  /** unix:///var/run/docker.sock, tcp://host:2376, ssh://user@host; default DOCKER_HOST or the local socket. */
  host?: string;
  tlsVerify?: boolean;
  certPath?: string;
  timeoutMs: number;
}

export class DockerTarget {
  constructor(readonly settings: DockerSettings) {}
  async close(): Promise<void> {}
}
