import { dockerHost } from '../container/engine.js';
import { FILE_SHARINGS, fileSharingFor, type FileSharing } from '../container/file-bridge.js';
import { join } from 'node:path';
import { CGROUP_VIEWS, type CgroupView } from '../container/target-container.js';
import { DEFAULT_RECIPE, imageNameFor, MATRIX_SUITES } from '../container/runtimes-image.js';
import { packageRoot } from '../package-root.js';
import { imageLabelClash, makePlan, planContainerRuntimes, planHostRuntime, type RunPlan } from './plan.js';

/**
 * The variables that steer rtconform's own tests (`npm test`, `vitest run`); the README lists
 * them. They are read here, once, into the plan; nothing below reads the environment.
 */
export const SELF_TEST_VARIABLES = {
  /** Runtimes on the host, comma-separated; default fake,runsc; set but empty: none. */
  runtimes: 'RTCONFORM_RUNTIMES',
  /** `auto` (default): container targets skip with the reason when no engine or image is there; `required`: that is an error; `off`. */
  container: 'RTCONFORM_CONTAINER',
  /** Runtimes in target containers; default runc,crun. */
  containerRuntimes: 'RTCONFORM_CONTAINER_RUNTIMES',
  /**
   * The target containers' images, comma-separated (each runtime runs in each); default the
   * release matrix `.ci/run` builds: `rtconform image build` (trixie) and `image build --suite sid`.
   */
  image: 'RTCONFORM_IMAGE',
  /** host (default) or private. */
  cgroupView: 'RTCONFORM_CGROUP_VIEW',
  /** bind or bridge; default: bind for a unix-socket engine, bridge for any other (DOCKER_HOST=tcp://…). */
  fileSharing: 'RTCONFORM_FILE_SHARING',
} as const;

/**
 * runc is judged in the images (runc 1.1.15 and 1.3.6, in containers that make their cgroups in
 * this host's own hierarchy), not on the host too: all its suites on the host cost `.ci/run`
 * 27 s and 59 CPU-s of its 300 s budget (325.6 -> 298.6 s, fresh clones) and judged the same
 * 1.1 line. runc on the host target, with its cgroups read there, is held to its declaration in
 * src/cli/no-leaks.test.ts (resources, stats, monitor) and drives src/runtime's adapter tests;
 * `RTCONFORM_RUNTIMES=fake,runc,runsc` judges it on every suite.
 */
export const DEFAULT_HOST_RUNTIMES = ['fake', 'runsc'];
const DEFAULT_CONTAINER_RUNTIMES = ['runc', 'crun'];

function list(raw: string | undefined, fallback: string[]): string[] {
  return raw === undefined ? fallback : raw.split(',').map((s) => s.trim()).filter(Boolean);
}

/** The plan of rtconform's own tests, from the variables above; a bad value is an error naming it. */
export function selfTestPlan(env: NodeJS.ProcessEnv = process.env): RunPlan {
  const v = SELF_TEST_VARIABLES;
  const mode = env[v.container] ?? 'auto';
  if (!['auto', 'required', 'off'].includes(mode)) throw new Error(`${v.container}=${mode}: use auto, required or off`);
  const view = env[v.cgroupView] ?? 'host';
  if (!(CGROUP_VIEWS as readonly string[]).includes(view)) throw new Error(`${v.cgroupView}=${view}: use ${CGROUP_VIEWS.join(' or ')}`);
  const sharing = env[v.fileSharing] || fileSharingFor(dockerHost(env));
  if (!(FILE_SHARINGS as readonly string[]).includes(sharing)) throw new Error(`${v.fileSharing}=${sharing}: use ${FILE_SHARINGS.join(' or ')}`);
  const images = [...new Set(list(env[v.image], MATRIX_SUITES.map((suite) => imageNameFor({ ...DEFAULT_RECIPE, suite }))))];
  if (images.length === 0) throw new Error(`${v.image} is set but names no image: unset it for the default one`);
  const clash = imageLabelClash(images);
  if (clash !== undefined) throw new Error(`${v.image}: ${clash}`);
  return makePlan({
    toolVersion: 'self-test',
    outDir: join(packageRoot(), 'reports', 'self-test'),
    testFiles: [],
    host: list(env[v.runtimes], DEFAULT_HOST_RUNTIMES).map((r) => planHostRuntime(r)),
    containers: {
      images,
      cgroupView: view as CgroupView,
      fileSharing: sharing as FileSharing,
      required: mode === 'required',
      runtimes: mode === 'off' ? [] : planContainerRuntimes(list(env[v.containerRuntimes], DEFAULT_CONTAINER_RUNTIMES), images),
    },
  });
}
