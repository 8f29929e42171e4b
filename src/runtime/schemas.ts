import { z } from 'zod';

/** The statuses the runtime spec defines (runtime.md "State"), and runc's `paused`. */
export const KNOWN_STATUSES = ['creating', 'created', 'running', 'stopped', 'paused'] as const;
export type KnownStatus = (typeof KNOWN_STATUSES)[number];
/**
 * A container's status as the runtime reports it: one of the known ones, or whatever else a
 * runtime says (kept, not refused: a wrong status is evidence for a suite to judge).
 */
export type ContainerStatus = KnownStatus | (string & {});
const StatusSchema = z.custom<ContainerStatus>((v) => typeof v === 'string', 'expected a status string');

/** OCI runtime state (runtime.md "State"); runtimes add fields, so unknown keys pass through. */
export const ContainerStateSchema = z.looseObject({
  ociVersion: z.string(),
  id: z.string(),
  status: StatusSchema,
  pid: z.number().int().optional(),
  bundle: z.string(),
  annotations: z.record(z.string(), z.string()).nullish(),
});
export type ContainerState = z.infer<typeof ContainerStateSchema>;

/** One row of `list --format json`; runc prints `null` when there is nothing. */
export const ListEntrySchema = z.looseObject({
  id: z.string(),
  pid: z.number().int().optional(),
  status: StatusSchema,
  bundle: z.string().optional(),
  created: z.string().optional(),
  owner: z.string().optional(),
});
export const ListSchema = z.array(ListEntrySchema).nullable().transform((rows) => rows ?? []);
export type ListEntry = z.infer<typeof ListEntrySchema>;

/** `ps --format json` prints a JSON array of host pids. */
export const PsSchema = z.array(z.number().int()).nullable().transform((pids) => pids ?? []);

const CpuUsage = z.looseObject({
  total: z.number().optional(),
  user: z.number().optional(),
  kernel: z.number().optional(),
  percpu: z.array(z.number()).nullish(),
});

/** libcontainer's MemoryData; failcnt: how many times usage hit the limit. */
const MemoryData = z.looseObject({ usage: z.number().optional(), limit: z.number().optional(), max: z.number().optional(), failcnt: z.number().optional() });

/** The `data` of a runc `events --stats` record (libcontainer's types.Stats): every controller optional. */
export const StatsSchema = z.looseObject({
  cpu: z.looseObject({ usage: CpuUsage.optional(), throttling: z.looseObject({}).optional() }).optional(),
  memory: z
    .looseObject({
      usage: MemoryData.optional(),
      cache: z.number().optional(),
    })
    .optional(),
  pids: z.looseObject({ current: z.number().optional(), limit: z.number().optional() }).optional(),
  blkio: z.looseObject({}).optional(),
  hugetlb: z.record(z.string(), z.looseObject({})).optional(),
});
/**
 * One stats reading: the record's data, and when the runtime gave it (`readAt`, ISO 8601), so
 * two readings make a rate (CPU per second), as containerd's metrics carry their timestamp.
 */
export type Stats = z.infer<typeof StatsSchema> & { readAt: string };

export const EventSchema = z.looseObject({
  type: z.string(),
  id: z.string(),
  data: z.unknown().optional(),
});
export type RuntimeEvent = z.infer<typeof EventSchema>;

/** `features` output (runtime-spec features.md); everything but the version range is optional. */
export const FeaturesSchema = z.looseObject({
  ociVersionMin: z.string(),
  ociVersionMax: z.string(),
  hooks: z.array(z.string()).nullish(),
  mountOptions: z.array(z.string()).nullish(),
  linux: z
    .looseObject({
      namespaces: z.array(z.string()).nullish(),
      capabilities: z.array(z.string()).nullish(),
      cgroup: z.looseObject({}).nullish(),
      seccomp: z.looseObject({}).nullish(),
      apparmor: z.looseObject({}).nullish(),
      selinux: z.looseObject({}).nullish(),
      /** Extensions of mounts beyond mount(2)'s options (runtime-spec 1.2): idmapped mounts. */
      mountExtensions: z.looseObject({ idmap: z.looseObject({ enabled: z.boolean().nullish() }).nullish() }).nullish(),
    })
    .nullish(),
  annotations: z.record(z.string(), z.string()).nullish(),
});
export type Features = z.infer<typeof FeaturesSchema>;

/** A line of a runtime's `--log-format json` log (logrus style: level, msg, time). */
export const LogLineSchema = z.looseObject({
  level: z.string(),
  msg: z.string(),
  time: z.string().optional(),
});
