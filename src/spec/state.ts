import { z } from 'zod';

/**
 * The state of a container as runtime.md's "State" section and its state schema define it: what a
 * conformance check holds `state` output to. (The adapter's own schema is looser, so it can
 * still read a runtime that breaks this.) Fields beyond the spec's are allowed.
 */
export const OciStateSchema = z.looseObject({
  ociVersion: z.string().regex(/^\d+\.\d+\.\d+/, 'ociVersion must be a SemVer version'),
  id: z.string().min(1),
  status: z.enum(['creating', 'created', 'running', 'stopped']),
  pid: z.number().int().nonnegative().optional(),
  bundle: z.string().min(1),
  annotations: z.record(z.string(), z.string()).optional(),
}).refine((s) => !(s.status === 'created' || s.status === 'running') || (s.pid ?? 0) > 0, {
  message: 'pid is required (and positive) while the container is created or running',
  path: ['pid'],
});
