import { isRoot } from '../util/is-root.js';
import { createHash } from 'node:crypto';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { chmod, readFile, realpath, rm } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { execa } from 'execa';
import { dir } from 'tmp-promise';
import { EngineUnavailableError, engineClient, type Dockerode } from './engine.js';
import { killGroup } from '../util/kill-group.js';

/**
 * The image the container target runs runtimes in, made without any registry: debootstrap of a
 * Debian release, then `docker import`. Its tag is derived from the recipe, so a build is reused
 * until the recipe changes.
 */

/** Bump when the way an image is made changes (import changes, tar flags, …): every old tag then stops matching. */
export const RECIPE_VERSION = 1;
export const IMAGE_REPOSITORY = 'rtconform-runtimes';
export const RECIPE_HASH_LABEL = 'org.rtconform.recipe-hash';
export const RECIPE_LABEL = 'org.rtconform.recipe';

export interface ImageRecipe {
  /** A Debian release this debootstrap has a script for (/usr/share/debootstrap/scripts). */
  suite: string;
  variant: 'minbase';
  packages: readonly string[];
  /** Where debootstrap downloads from; absent: debootstrap's own default. */
  mirror?: string;
}

export const DEFAULT_RECIPE: Readonly<ImageRecipe> = Object.freeze({
  suite: 'trixie',
  variant: 'minbase',
  // CRIU checkpoints need iptables-restore (network lock), ip (netns dump) and, for crun, libcriu2;
  // conmon is the monitor the monitored adapter (and suites/monitor) creates containers under;
  // socat (with util-linux's flock, in every Debian) holds the connections and locks the
  // checkpoint-option tests dump, from the target's /usr bound into their bundles; sshfs mounts
  // the run dir over the file bridge when the engine shares no file system with the run.
  packages: Object.freeze(['runc', 'crun', 'criu', 'libcriu2', 'iptables', 'iproute2', 'busybox-static', 'conmon', 'socat', 'sshfs']),
});

/** The releases rtconform's own tests hold runc and crun to their declarations on: Debian's stable and unstable. */
export const MATRIX_SUITES: readonly string[] = Object.freeze(['trixie', 'sid']);

export class ImageBuildError extends Error {
  override name = 'ImageBuildError';
}

const NEEDS_ROOT = 'building the image needs root (debootstrap creates device nodes and chroots): run it as root, e.g. sudo npx rtconform image build';

export interface BuildImageOptions {
  recipe?: ImageRecipe;
  /** Build even if the tag exists; the new image takes the tag over. */
  force?: boolean;
  onProgress?: (line: string) => void;
  /** Aborting stops debootstrap or the import and removes the temp dir before buildImage rejects. */
  signal?: AbortSignal;
  /** A tag other than imageNameFor(recipe), e.g. a unique one for a test; reused only if its recipe label matches. */
  name?: string;
}

export interface BuiltImage {
  name: string;
  reused: boolean;
  durationMs: number;
}

/**
 * The recipe as hashed. The mirror is left out on purpose: the same packages from another mirror
 * are the same content, so they get the same tag. Package order and repeats change nothing either.
 */
export function canonicalRecipe(recipe: ImageRecipe): string {
  checkRecipe(recipe);
  const packages = [...new Set(recipe.packages)].sort();
  return JSON.stringify({ recipeVersion: RECIPE_VERSION, suite: recipe.suite, variant: recipe.variant, packages });
}

export function recipeHash(recipe: ImageRecipe): string {
  return createHash('sha256').update(canonicalRecipe(recipe)).digest('hex');
}

export function imageNameFor(recipe: ImageRecipe): string {
  return `${IMAGE_REPOSITORY}:${recipe.suite}-${recipeHash(recipe).slice(0, 12)}`;
}

/** The Debian suite of an image name imageNameFor made (`rtconform-runtimes:sid-<hash>` is sid), or undefined for any other name. */
export function suiteOfImageName(name: string): string | undefined {
  const tag = name.startsWith(`${IMAGE_REPOSITORY}:`) ? name.slice(IMAGE_REPOSITORY.length + 1) : undefined;
  return tag === undefined ? undefined : /^([a-z][a-z0-9-]*)-[0-9a-f]{12}$/.exec(tag)?.[1];
}

export function defaultImageName(): string {
  return imageNameFor(DEFAULT_RECIPE);
}

export async function imageExists(name: string): Promise<boolean> {
  return (await inspectImage(await docker(), name)) !== undefined;
}

export async function buildImage(options: BuildImageOptions = {}): Promise<BuiltImage> {
  const started = performance.now();
  const elapsed = (): number => Math.round(performance.now() - started);
  const recipe = options.recipe ?? DEFAULT_RECIPE;
  const progress = options.onProgress ?? ((): void => undefined);
  const hash = recipeHash(recipe);
  const name = options.name ?? imageNameFor(recipe);
  const engine = await docker().catch((error: unknown) => {
    // Without root the socket is usually closed too, and root is what both need.
    if (error instanceof EngineUnavailableError && !isRoot()) throw new ImageBuildError(`${NEEDS_ROOT}; the engine did not answer either: ${error.message}`);
    throw error;
  });

  const existing = await inspectImage(engine, name);
  if (existing && !options.force) {
    if (existing.Config?.Labels?.[RECIPE_HASH_LABEL] === hash) {
      progress(`${name} is already built: reusing it`);
      return { name, reused: true, durationMs: elapsed() };
    }
    progress(`${name} exists but was not built from this recipe: rebuilding it`);
  }

  const debootstrapBinary = checkBuildPrerequisites(recipe.suite);
  const packages = `${recipe.packages.length} package${recipe.packages.length === 1 ? '' : 's'}`;
  progress(`debootstrap ${recipe.suite} (${recipe.variant}, ${packages}) from ${recipe.mirror ?? "debootstrap's default mirror"}…`);
  const target = await dir({ tmpdir: '/var/tmp', prefix: 'rtconform-image-' });
  let imageId: string;
  try {
    // tmp makes the dir 0700, and tar records it as the image's "/": others could not traverse it.
    await chmod(target.path, 0o755);
    await debootstrap(debootstrapBinary, recipe, target.path, progress, options.signal);
    progress(`importing ${megabytes(await treeBytes(target.path))} MB…`);
    imageId = await importTree(engine, target.path, hash, recipe, options.signal);
  } finally {
    await removeTree(target.path);
  }

  const { repo, tag } = splitName(name);
  await engine.getImage(imageId).tag({ repo, tag });
  if (existing && existing.Id !== imageId) {
    // The old image lost its tag; keep no dangling copy unless a container still uses it.
    await engine.getImage(existing.Id).remove().catch(() => progress(`the previous ${name} (${existing.Id.slice(7, 19)}) is still in use: left untagged`));
  }
  progress(`built ${name} in ${Math.round(elapsed() / 1000)} s`);
  return { name, reused: false, durationMs: elapsed() };
}

function checkRecipe(recipe: ImageRecipe): void {
  if (!/^[a-z][a-z0-9-]{0,63}$/.test(recipe.suite)) throw new ImageBuildError(`"${recipe.suite}" is not a Debian suite name (e.g. trixie, bookworm, sid)`);
  if (recipe.variant !== 'minbase') throw new ImageBuildError(`variant "${String(recipe.variant)}": only minbase is supported`);
  for (const p of recipe.packages) {
    if (!/^[a-z0-9][a-z0-9+.-]+$/.test(p)) throw new ImageBuildError(`"${p}" is not a Debian package name`);
  }
  if (recipe.mirror !== undefined) {
    const protocol = URL.canParse(recipe.mirror) ? new URL(recipe.mirror).protocol : undefined;
    if (protocol !== 'http:' && protocol !== 'https:' && protocol !== 'file:') {
      throw new ImageBuildError(`--mirror wants an http://, https:// or file:// URL of a Debian archive, got "${recipe.mirror}"`);
    }
  }
}

/** Everything a build needs beyond the engine, checked up front so the error says what to do. */
function checkBuildPrerequisites(suite: string): string {
  if (!isRoot()) throw new ImageBuildError(NEEDS_ROOT);
  const binary = findExecutable('debootstrap');
  if (!binary) throw new ImageBuildError('debootstrap is not installed: apt-get install -y debootstrap');
  const script = join(process.env.DEBOOTSTRAP_DIR ?? '/usr/share/debootstrap', 'scripts', suite);
  if (!existsSync(script)) {
    throw new ImageBuildError(`this debootstrap does not know the suite "${suite}" (no ${script}): install a newer debootstrap (e.g. from backports) or choose another --suite`);
  }
  return binary;
}

/** sbin is searched too: root's PATH from sudo or a plain shell does not always hold it. */
function findExecutable(command: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), '/usr/sbin', '/sbin'];
  for (const d of dirs) {
    try {
      accessSync(join(d, command), constants.X_OK);
      return join(d, command);
    } catch {
      // not here
    }
  }
  return undefined;
}

async function debootstrap(binary: string, recipe: ImageRecipe, target: string, progress: (line: string) => void, signal: AbortSignal | undefined): Promise<void> {
  signal?.throwIfAborted();
  const args = [
    `--variant=${recipe.variant}`,
    ...(recipe.packages.length > 0 ? [`--include=${recipe.packages.join(',')}`] : []),
    recipe.suite,
    target,
    ...(recipe.mirror ? [recipe.mirror] : []),
  ];
  // Its own process group: on abort the whole group (wget, dpkg, chrooted scripts) gets the signal,
  // not just the shell script, so nothing still writes into the dir we are about to remove.
  const child = execa(binary, args, { detached: true, all: true, buffer: false, reject: false, stdin: 'ignore', env: { LC_ALL: 'C' } });
  let escalation: NodeJS.Timeout | undefined;
  const onAbort = (): void => {
    killGroup(child.pid, 'SIGTERM');
    escalation = setTimeout(() => killGroup(child.pid, 'SIGKILL'), 5000);
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  const tail: string[] = [];
  try {
    for await (const line of child.iterable({ from: 'all' })) {
      tail.push(line.trimEnd());
      if (tail.length > 15) tail.shift();
      if (/^I: (Retrieving InRelease|Retrieving Release|Resolving dependencies|Checking component|Installing core|Unpacking required|Configuring required|Unpacking the base|Configuring the base|Base system installed)/.test(line)) {
        progress(`  ${line.slice(3).trim()}`);
      }
    }
  } catch {
    // a killed or failed debootstrap ends the iteration early; its result says how
  }
  const result = await child;
  signal?.removeEventListener('abort', onAbort);
  clearTimeout(escalation);
  if (signal?.aborted) {
    killGroup(child.pid, 'SIGKILL');
    throw new ImageBuildError('interrupted while debootstrap ran');
  }
  if (result.exitCode !== 0) {
    const log = await readFile(join(target, 'debootstrap', 'debootstrap.log'), 'utf8').catch(() => '');
    const logTail = log.trimEnd().split('\n').slice(-15).join('\n');
    throw new ImageBuildError(
      `debootstrap ${args.join(' ')} failed (${result.exitCode === undefined ? `signal ${result.signal ?? '?'}` : `exit ${result.exitCode}`}; its target dir is removed); it said:\n${tail.join('\n')}` +
        (logTail ? `\n\nthe end of its debootstrap.log:\n${logTail}` : ''),
    );
  }
}

async function treeBytes(path: string): Promise<number> {
  const { stdout } = await execa('du', ['-s', '-b', '-x', path]);
  return Number(stdout.split('\t')[0]);
}

/** Returns the imported image's id, untagged: the tag only ever names a complete import. */
async function importTree(engine: Dockerode, path: string, hash: string, recipe: ImageRecipe, signal: AbortSignal | undefined): Promise<string> {
  signal?.throwIfAborted();
  const tar = execa('tar', ['-C', path, '--one-file-system', '-c', '.'], { buffer: { stdout: false }, reject: false, stdin: 'ignore', cancelSignal: signal });
  // A long-lived target: the harness execs runtimes into it.
  const changes = [`LABEL ${RECIPE_HASH_LABEL}=${hash} ${RECIPE_LABEL}=${JSON.stringify(canonicalRecipe(recipe))}`, 'CMD ["sleep","infinity"]'];
  let answer = '';
  try {
    const response = await engine.importImage(tar.stdout, { changes, abortSignal: signal });
    for await (const chunk of response) answer += String(chunk);
  } catch (error) {
    tar.kill('SIGKILL');
    await tar;
    if (signal?.aborted) throw new ImageBuildError('interrupted while importing');
    throw new ImageBuildError(`docker import failed: ${(error as Error).message}`);
  }
  const tarResult = await tar;
  const { id, error } = parseImportAnswer(answer);
  if (error !== undefined || id === undefined || tarResult.exitCode !== 0) {
    if (id !== undefined) await engine.getImage(id).remove().catch(() => undefined);
    if (signal?.aborted) throw new ImageBuildError('interrupted while importing');
    const why = error ?? (tarResult.exitCode !== 0 ? `tar failed: ${tarResult.stderr.trim() || `exit ${tarResult.exitCode}`}` : `no image id in the engine's answer: ${answer.slice(0, 300)}`);
    throw new ImageBuildError(`docker import failed: ${why}`);
  }
  return id;
}

/** The import answers with JSON messages, one a line: an error, or at the end the new image's id. */
function parseImportAnswer(answer: string): { id?: string; error?: string } {
  let id: string | undefined;
  for (const line of answer.split(/\r?\n/)) {
    if (!line.trim()) continue;
    let message: { status?: unknown; error?: unknown; errorDetail?: { message?: unknown } };
    try {
      message = JSON.parse(line) as typeof message;
    } catch {
      continue;
    }
    const error = message.errorDetail?.message ?? message.error;
    if (error !== undefined) return { error: String(error) };
    if (typeof message.status === 'string' && /^sha256:[0-9a-f]{64}$/.test(message.status)) id = message.status;
  }
  return id === undefined ? {} : { id };
}

/**
 * debootstrap mounts proc and sys inside the target and unmounts them from an exit trap that a
 * killed debootstrap never runs: a recursive rm would then walk into the host's /proc and /sys.
 */
async function removeTree(path: string): Promise<void> {
  const real = await realpath(path).catch(() => path);
  for (const mount of mountsUnder(real)) await execa('umount', ['-l', mount], { reject: false });
  const left = mountsUnder(real);
  if (left.length > 0) throw new ImageBuildError(`could not unmount ${left.join(', ')}; ${path} is left in place: unmount and remove it by hand`);
  await rm(path, { recursive: true, force: true });
}

/** Deepest first, so each unmount leaves its parent unmountable. */
function mountsUnder(path: string): string[] {
  const decode = (s: string): string => s.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => decode(line.split(' ')[4] ?? ''))
    .filter((m) => m === path || m.startsWith(`${path}/`))
    .sort((a, b) => b.length - a.length);
}


async function docker(): Promise<Dockerode> {
  return (await engineClient()).container.dockerode;
}

interface InspectedImage {
  Id: string;
  Config?: { Labels?: Record<string, string> | null } | null;
}

async function inspectImage(engine: Dockerode, name: string): Promise<InspectedImage | undefined> {
  try {
    return await engine.getImage(name).inspect();
  } catch (error) {
    if ((error as { statusCode?: unknown }).statusCode === 404) return undefined;
    throw error;
  }
}

/** The tag follows the last colon that comes after the last slash (a registry may have a port). */
function splitName(name: string): { repo: string; tag: string } {
  const colon = name.lastIndexOf(':');
  return colon > name.lastIndexOf('/') ? { repo: name.slice(0, colon), tag: name.slice(colon + 1) } : { repo: name, tag: 'latest' };
}

function megabytes(bytes: number): number {
  return Math.round(bytes / 1e6);
}
