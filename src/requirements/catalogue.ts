import type { Requirement } from './requirement.js';
import { bundleRequirements } from './catalogue/bundle.js';
import { configLinuxRequirements } from './catalogue/config-linux.js';
import { configRequirements } from './catalogue/config.js';
import { featuresRequirements } from './catalogue/features.js';
import { runcCliRequirements } from './catalogue/runc-cli.js';
import { runtimeLinuxRequirements } from './catalogue/runtime-linux.js';
import { runtimeRequirements } from './catalogue/runtime.js';

/**
 * Every requirement rtconform knows, one file per spec document under catalogue/. Ids are
 * area.what (state.pid, config.process.cwd, linux.namespaces.new-pid, hooks.poststop.called,
 * cli.exec.env) and never change once a suite uses them: reports and known deviations key on them.
 */
export const catalogue: readonly Requirement[] = [
  ...runtimeRequirements,
  ...runtimeLinuxRequirements,
  ...configRequirements,
  ...configLinuxRequirements,
  ...bundleRequirements,
  ...featuresRequirements,
  ...runcCliRequirements,
];

const byId = new Map(catalogue.map((r) => [r.id, r]));

export function hasRequirement(id: string): boolean {
  return byId.has(id);
}

export function requirementById(id: string): Requirement {
  const found = byId.get(id);
  if (!found) throw new Error(`unknown requirement id "${id}": add it to src/requirements/catalogue/ (the file of its spec document)`);
  return found;
}

/** The heading a requirement is listed under: its spec document, or the runc CLI as one. */
export function documentOf(r: Requirement): string {
  return r.source === 'runc-cli' ? 'runc CLI' : r.document;
}
