import { parseArgs } from 'node:util';
import { EngineUnavailableError } from '../container/engine.js';
import { buildImage, DEFAULT_RECIPE, ImageBuildError, type ImageRecipe } from '../container/runtimes-image.js';
import { visibleText } from '../util/text.js';
import { HarnessError } from './harness-error.js';

export const imageUsage = 'usage: rtconform image build [--suite NAME] [--mirror URL] [--force]';

/** `rtconform image build`: prints the image name on stdout (for scripts), progress on stderr. */
export async function imageCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { suite: { type: 'string' }, mirror: { type: 'string' }, force: { type: 'boolean' } },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length !== 1 || positionals[0] !== 'build') {
    throw new HarnessError(positionals.length === 0 ? imageUsage : `unknown image subcommand "${positionals.join(' ')}"\n${imageUsage}`);
  }
  const recipe: ImageRecipe = { ...DEFAULT_RECIPE, suite: values.suite ?? DEFAULT_RECIPE.suite, ...(values.mirror === undefined ? {} : { mirror: values.mirror }) };

  // Ctrl-C must not leave a half-built root tree under /var/tmp: buildImage removes it once aborted.
  const controller = new AbortController();
  const onSignal = (): void => {
    if (!controller.signal.aborted) process.stderr.write('\nrtconform: interrupted; stopping the build and removing its temp dir…\n');
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const built = await buildImage({
      recipe,
      force: values.force ?? false,
      signal: controller.signal,
      // Progress quotes debootstrap's and the engine's words: written out, never raw control characters.
      onProgress: (line) => process.stderr.write(`rtconform: ${visibleText(line)}\n`),
    });
    process.stdout.write(`${built.name}\n`);
    return 0;
  } catch (error) {
    if (controller.signal.aborted) {
      process.stderr.write('rtconform: the build was interrupted; nothing of it is left on this machine\n');
      return 130;
    }
    if (error instanceof ImageBuildError || error instanceof EngineUnavailableError) throw new HarnessError(error.message);
    throw error;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
