/** The runtime-spec version rtconform's bundles declare. */
export const SPEC_VERSION = '1.2.0';
