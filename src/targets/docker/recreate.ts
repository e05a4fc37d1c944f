// Recreate with rollback: the same container again (same configuration, volumes kept, a fresh writable
// layer), and the old one put back under its name when any step fails.
import type Dockerode from 'dockerode';
import type { ContainerApi, ContainerInspectInfo, InspectConfigExtras } from './api.js';
import { DockerApiError, messageOf, type CallOptions, type DockerClient } from './connection.js';

/**
 * What `docker create` needs to make the same container again: same name, image, command, env,
 * labels, user, workdir, mounts and volumes, network, restart policy, healthcheck, limits. Anonymous
 * volumes are re-attached by name, so no data is left behind.
 */
export function recreateSpec(old: ContainerInspectInfo, image: string): Dockerode.ContainerCreateOptions {
  const cfg = old.Config as ContainerInspectInfo['Config'] & InspectConfigExtras;
  const hc: Dockerode.HostConfig = { ...old.HostConfig };
  const networkMode = hc.NetworkMode ?? 'default';
  const shortId = old.Id.slice(0, 12);

  const binds = [...(hc.Binds ?? [])];
  const mounts = [...(hc.Mounts ?? [])];
  const covered = new Set<string>([
    ...binds.map((b) => b.split(':')[1]).filter((d): d is string => !!d),
    ...mounts.filter((m) => m.Source).map((m) => m.Target),
  ]);
  for (const m of old.Mounts) {
    if (m.Type !== 'volume' || !m.Name || covered.has(m.Destination)) continue;
    binds.push(`${m.Name}:${m.Destination}${m.RW ? '' : ':ro'}`);
    covered.add(m.Destination);
  }
  hc.Binds = binds;
  // Unnamed volume mounts would create fresh, empty volumes: their old volumes are bound above.
  hc.Mounts = mounts.filter((m) => m.Source || !covered.has(m.Target));
  // The CLI writes the cid file itself; the daemon must not be asked to.
  hc.ContainerIDFile = '';
  // Inspect shows links as /source:/this/alias; create wants source:alias.
  if (hc.Links?.length) {
    hc.Links = hc.Links.map((l: string) => {
      const [src, dst] = l.split(':');
      return `${src.replace(/^\//, '')}:${(dst ?? src).split('/').pop()}`;
    });
  }

  const builtIn = ['default', 'bridge', 'host', 'none'];
  const networks = old.NetworkSettings?.Networks ?? {};
  let endpoints: Dockerode.EndpointsConfig | undefined;
  if (!builtIn.includes(networkMode) && !networkMode.startsWith('container:') && networks[networkMode]) {
    const n = networks[networkMode];
    endpoints = {
      [networkMode]: {
        IPAMConfig: n.IPAMConfig ?? undefined,
        Links: n.Links ?? undefined,
        Aliases: ((n.Aliases ?? []) as string[]).filter((a) => a !== shortId),
      },
    };
  }
  const sharesUts = networkMode === 'host' || networkMode.startsWith('container:');

  return {
    Image: image,
    Hostname: sharesUts || cfg.Hostname === shortId ? undefined : cfg.Hostname,
    Domainname: cfg.Domainname || undefined,
    User: cfg.User,
    AttachStdin: cfg.AttachStdin,
    AttachStdout: cfg.AttachStdout,
    AttachStderr: cfg.AttachStderr,
    Tty: cfg.Tty,
    OpenStdin: cfg.OpenStdin,
    StdinOnce: cfg.StdinOnce,
    Env: cfg.Env,
    Cmd: cfg.Cmd ?? undefined,
    Entrypoint: cfg.Entrypoint ?? undefined,
    Labels: cfg.Labels,
    Volumes: cfg.Volumes ?? undefined,
    WorkingDir: cfg.WorkingDir,
    ExposedPorts: cfg.ExposedPorts ?? undefined,
    StopSignal: cfg.StopSignal,
    StopTimeout: cfg.StopTimeout,
    Healthcheck: cfg.Healthcheck,
    Shell: cfg.Shell,
    HostConfig: hc,
    NetworkingConfig: endpoints ? { EndpointsConfig: endpoints } : undefined,
  };
}

export class ContainerRecreate {
  constructor(
    private readonly client: DockerClient,
    private readonly containers: ContainerApi,
  ) {}

  /**
   * Replaces the container with a new one of the same configuration and a fresh writable layer,
   * then starts it. Volumes are kept (the old container is removed without `v`). On failure the old
   * container is put back under its name. Returns the new container's id.
   */
  async recreate(idOrName: string, opts?: CallOptions): Promise<string> {
    const old = await this.containers.inspect(idOrName, opts);
    const name = old.Name.replace(/^\//, '');
    if (old.HostConfig.AutoRemove) {
      // Stopping a --rm container deletes it (and its anonymous volumes): there would be no way back.
      throw new Error(
        `Container '${name}' runs with --rm (AutoRemove): stopping it deletes it and its anonymous volumes, so Orixoon does not recreate it — recreate it with docker compose up -d --force-recreate`,
      );
    }
    const image = await this.sameImage(old, opts);
    const spec = recreateSpec(old, image);
    const stopSec = (old.Config as InspectConfigExtras).StopTimeout ?? 10;
    const parked = `${name}-orixoon-old-${Date.now().toString(36)}`;
    const wasRunning = old.State.Running;

    // Stop first: a restarting container has no network sandbox, and Docker cannot rename it then.
    let renamed = false;
    let created = '';
    try {
      if (old.State.Paused) await this.containers.unpause(old.Id, opts);
      await this.containers.stop(old.Id, stopSec, opts?.signal ? { signal: opts.signal } : undefined);
      await this.client.call(
        `rename of container '${name}'`,
        (signal) => this.client.api().getContainer(old.Id).rename({ name: parked, abortSignal: signal }),
        opts,
      );
      renamed = true;
      const c = await this.client.call(
        `create of container '${name}'`,
        (signal) => this.client.api().createContainer({ ...spec, name, abortSignal: signal }),
        opts,
      );
      created = c.id;
      await this.connectExtraNetworks(old, c.id, opts);
      await this.containers.start(c.id, opts);
    } catch (e) {
      const restored = await this.restoreAfterFailedRecreate(
        old.Id,
        name,
        created || undefined,
        renamed,
        wasRunning,
      );
      throw new Error(`Recreating container '${name}' failed: ${messageOf(e)}${restored}`);
    }
    try {
      await this.client.call(
        `removal of the old container '${parked}'`,
        // Never v: true — volumes stay, the new container uses them.
        (signal) =>
          this.client
            .api()
            .getContainer(old.Id)
            .remove({ force: true, v: false, abortSignal: signal } as Dockerode.ContainerRemoveOptions),
        opts,
      );
    } catch (e) {
      throw new Error(
        `Container '${name}' recreated (${created.slice(0, 12)}), but removing the old one '${parked}' failed: ${messageOf(e)}`,
      );
    }
    return created;
  }

  /** The image by its name when that still means the same image, else by the id the container ran. */
  private async sameImage(old: ContainerInspectInfo, opts?: CallOptions): Promise<string> {
    const ref = old.Config.Image;
    if (!ref || ref.startsWith('sha256:')) return old.Image;
    try {
      const img = await this.client.call(
        `inspect of image '${ref}'`,
        (signal) =>
          this.client
            .api()
            .getImage(ref)
            .inspect({ abortSignal: signal } as Dockerode.ImageInspectOptions),
        opts,
      );
      return img.Id === old.Image ? ref : old.Image;
    } catch (e) {
      if (e instanceof DockerApiError) return old.Image;
      throw e;
    }
  }

  private async connectExtraNetworks(
    old: ContainerInspectInfo,
    newId: string,
    opts?: CallOptions,
  ): Promise<void> {
    const mode = old.HostConfig.NetworkMode ?? 'default';
    const shortId = old.Id.slice(0, 12);
    for (const [net, ep] of Object.entries(old.NetworkSettings?.Networks ?? {})) {
      if (net === mode || ['default', 'bridge', 'host', 'none'].includes(net)) continue;
      await this.client.call(
        `connection of '${newId.slice(0, 12)}' to network '${net}'`,
        (signal) =>
          this.client
            .api()
            .getNetwork(net)
            .connect({
              Container: newId,
              EndpointConfig: {
                IPAMConfig: ep.IPAMConfig ?? undefined,
                Aliases: ((ep.Aliases ?? []) as string[]).filter((a) => a !== shortId),
              },
              abortSignal: signal,
            } as Dockerode.NetworkConnectOptions),
        opts,
      );
    }
  }

  private async restoreAfterFailedRecreate(
    oldId: string,
    name: string,
    createdId: string | undefined,
    renamed: boolean,
    wasRunning: boolean,
  ): Promise<string> {
    try {
      if (createdId) {
        await this.client.call(`removal of the half-made container '${name}'`, (signal) =>
          this.client
            .api()
            .getContainer(createdId)
            .remove({ force: true, v: false, abortSignal: signal } as Dockerode.ContainerRemoveOptions),
        );
      }
      if (renamed) {
        await this.client.call(`rename of container back to '${name}'`, (signal) =>
          this.client.api().getContainer(oldId).rename({ name, abortSignal: signal }),
        );
      }
      if (wasRunning) await this.containers.start(oldId);
      return '; the old container was put back';
    } catch (e) {
      return `; putting the old container back failed too: ${messageOf(e)}`;
    }
  }
}
