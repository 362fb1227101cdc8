// gameday image <executable> [--tag TAG]: a local Docker image of a host executable
// and the shared libraries it links (the docker provider's way of making node images
// without a registry), tagged TAG, for clusters you start yourself (docker compose,
// examples/compose/) and then attach to.
import type { CommandModule } from 'yargs';
import { UsageError } from '../errors.ts';

interface Args {
  executable: string;
  tag: string | undefined;
}

export const command: CommandModule<object, Args> = {
  command: 'image <executable>',
  describe:
    'make a local Docker image of a host executable and the libraries it links (no registry needed), e.g. gameday image etcd --tag gameday-example/etcd',
  builder: (y) =>
    y.positional('executable', { type: 'string', demandOption: true, describe: 'a program on PATH (etcd, redis-server) or a path to one' }).option('tag', {
      type: 'string',
      requiresArg: true,
      describe: 'also tag the image so (e.g. gameday-example/etcd); default: only gameday-cmd-<name>:<hash>',
    }),
  handler: async (a) => {
    if (a.tag !== undefined && !/^[a-z0-9][a-z0-9._\-/]*(:[\w][\w.-]*)?$/.test(a.tag))
      throw new UsageError(
        `--tag "${a.tag}" is not an image reference`,
        'use lower-case letters, digits, . _ - / and an optional :tag, e.g. --tag gameday-example/etcd',
        '--tag',
      );
    const { dockerAvailable, tagImage } = await import('../../providers/docker/runtime.ts');
    const d = await dockerAvailable();
    if (!d.ok)
      throw new UsageError(
        `making an image needs a Docker daemon, and none answers: ${d.reason}`,
        'start Docker (on Debian: apt-get install -y docker.io && dockerd &), check with `gameday doctor`',
      );
    const { commandImage, resolveCommand } = await import('../../providers/docker/image.ts');
    if (!resolveCommand(a.executable))
      throw new UsageError(`no executable ${a.executable} on PATH`, 'install it (e.g. apt-get install etcd-server), or give its path', '<executable>');
    const img = await commandImage(a.executable);
    if (a.tag !== undefined) {
      await tagImage(img.tag, a.tag).catch((e: Error) => {
        throw new Error(`tagging ${img.tag} as ${a.tag} failed: ${e.message}`);
      });
    }
    process.stdout.write(
      `${a.tag ?? img.tag}  (${img.path} and its libraries; ${img.built ? `built in ${Math.round(img.ms)} ms` : 'already built'}; entrypoint ${img.path})\n`,
    );
  },
};
