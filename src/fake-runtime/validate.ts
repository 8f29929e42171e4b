import { prettifyError } from 'zod';
import { ConfigSchema, LinuxResourcesSchema, ProcessSchema, type LinuxResources, type OciConfig, type ProcessSpec } from '../spec/config.js';

/** Schema checks for the fake runtime, loaded only by the verbs that read a config (zod costs ~50 ms a start). */
export function parseConfig(json: unknown, file: string): OciConfig | string {
  const parsed = ConfigSchema.safeParse(json);
  return parsed.success ? parsed.data : `${file} is not a valid OCI config: ${prettifyError(parsed.error)}`;
}

export function parseProcess(json: unknown, file: string): ProcessSpec | string {
  const parsed = ProcessSchema.safeParse(json);
  return parsed.success ? parsed.data : `${file} is not a valid process: ${prettifyError(parsed.error)}`;
}

export function parseResources(json: unknown): LinuxResources | string {
  const parsed = LinuxResourcesSchema.safeParse(json);
  return parsed.success ? parsed.data : `invalid resources: ${prettifyError(parsed.error)}`;
}
