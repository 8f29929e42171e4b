import { z } from 'zod';

/**
 * The parts of the OCI runtime-spec config.json (config.md, config-linux.md) rtconform writes
 * and reads. Unknown keys pass through so a vendor's extensions survive a round trip.
 */
const Rlimit = z.object({ type: z.string(), hard: z.number().int().nonnegative(), soft: z.number().int().nonnegative() });

export const UserSchema = z.looseObject({
  uid: z.number().int().nonnegative(),
  gid: z.number().int().nonnegative(),
  umask: z.number().int().optional(),
  additionalGids: z.array(z.number().int()).optional(),
});

const Capabilities = z.looseObject({
  bounding: z.array(z.string()).optional(),
  effective: z.array(z.string()).optional(),
  inheritable: z.array(z.string()).optional(),
  permitted: z.array(z.string()).optional(),
  ambient: z.array(z.string()).optional(),
});

export const ProcessSchema = z.looseObject({
  terminal: z.boolean().optional(),
  user: UserSchema,
  args: z.array(z.string()).min(1),
  env: z.array(z.string()).optional(),
  cwd: z.string().startsWith('/', 'process.cwd must be an absolute path'),
  capabilities: Capabilities.optional(),
  rlimits: z.array(Rlimit).optional(),
  noNewPrivileges: z.boolean().optional(),
  oomScoreAdj: z.number().int().optional(),
  apparmorProfile: z.string().optional(),
  selinuxLabel: z.string().optional(),
  scheduler: z.looseObject({
    policy: z.string(),
    nice: z.number().int().optional(),
    priority: z.number().int().optional(),
    flags: z.array(z.string()).optional(),
  }).optional(),
  ioPriority: z.looseObject({ class: z.string(), priority: z.number().int().optional() }).optional(),
});
export type ProcessSpec = z.infer<typeof ProcessSchema>;

const Mount = z.looseObject({
  destination: z.string(),
  type: z.string().optional(),
  source: z.string().optional(),
  options: z.array(z.string()).optional(),
});
export type Mount = z.infer<typeof Mount>;

const Hook = z.looseObject({
  path: z.string(),
  args: z.array(z.string()).optional(),
  env: z.array(z.string()).optional(),
  timeout: z.number().int().positive().optional(),
});
const Hooks = z.looseObject({
  prestart: z.array(Hook).optional(),
  createRuntime: z.array(Hook).optional(),
  createContainer: z.array(Hook).optional(),
  startContainer: z.array(Hook).optional(),
  poststart: z.array(Hook).optional(),
  poststop: z.array(Hook).optional(),
});

export const LinuxResourcesSchema = z.looseObject({
  devices: z.array(z.looseObject({ allow: z.boolean(), type: z.string().optional(), major: z.number().nullish(), minor: z.number().nullish(), access: z.string().optional() })).optional(),
  memory: z.looseObject({ limit: z.number().int().optional(), reservation: z.number().int().optional(), swap: z.number().int().optional() }).optional(),
  cpu: z.looseObject({ shares: z.number().int().optional(), quota: z.number().int().optional(), period: z.number().int().optional(), cpus: z.string().optional(), mems: z.string().optional() }).optional(),
  pids: z.looseObject({ limit: z.number().int() }).optional(),
  blockIO: z.looseObject({}).optional(),
  hugepageLimits: z.array(z.looseObject({ pageSize: z.string(), limit: z.number().int() })).optional(),
  unified: z.record(z.string(), z.string()).optional(),
});
export type LinuxResources = z.infer<typeof LinuxResourcesSchema>;

const Namespace = z.looseObject({
  type: z.enum(['pid', 'network', 'mount', 'ipc', 'uts', 'user', 'cgroup', 'time']),
  path: z.string().optional(),
});

const IdMapping = z.object({ containerID: z.number().int(), hostID: z.number().int(), size: z.number().int() });

const Linux = z.looseObject({
  namespaces: z.array(Namespace).optional(),
  uidMappings: z.array(IdMapping).optional(),
  gidMappings: z.array(IdMapping).optional(),
  resources: LinuxResourcesSchema.optional(),
  cgroupsPath: z.string().optional(),
  sysctl: z.record(z.string(), z.string()).optional(),
  maskedPaths: z.array(z.string()).optional(),
  readonlyPaths: z.array(z.string()).optional(),
  devices: z.array(z.looseObject({})).optional(),
  seccomp: z.looseObject({}).optional(),
  intelRdt: z.looseObject({ closID: z.string().optional(), l3CacheSchema: z.string().optional(), memBwSchema: z.string().optional() }).optional(),
  rootfsPropagation: z.string().optional(),
  mountLabel: z.string().optional(),
});

export const ConfigSchema = z.looseObject({
  ociVersion: z.string(),
  process: ProcessSchema.optional(),
  root: z.looseObject({ path: z.string().min(1), readonly: z.boolean().optional() }).optional(),
  hostname: z.string().optional(),
  domainname: z.string().optional(),
  mounts: z.array(Mount).optional(),
  hooks: Hooks.optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  linux: Linux.optional(),
});
export type OciConfig = z.infer<typeof ConfigSchema>;

export { SPEC_VERSION } from './version.js';
