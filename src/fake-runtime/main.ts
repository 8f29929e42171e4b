#!/usr/bin/env node
/**
 * rtconform's bundled fake OCI runtime. It speaks runc's CLI and follows the runtime spec's
 * lifecycle, but needs no root and no kernel features: a container is an ordinary host process
 * that, after create, waits on a fifo until start (as runc's init waits on its exec fifo).
 * It isolates nothing; `features` and the adapter's profile say so.
 *
 * This file is the one-shot fake: one call per process, its output written as it comes. The
 * command `rtconform-fake-runtime` (client.sh) runs it, or hands the call to the resident fake of
 * the call's state root (server.ts) when one runs, which saves a node start per call.
 */
import { newCall, serve } from './context.js';
import { runCall } from './dispatch.js';
import { forwardSignals } from './processes.js';

serve(
  newCall({
    cwd: process.cwd(),
    faultsFromEnv: process.env.RTCONFORM_FAKE_FAULTS,
    containerStdio: () => 'inherit',
    write: (stream, text) => process[stream].write(text),
    oneShot: true,
    forwardSignals,
  }),
  () => runCall(process.argv.slice(2)),
).then((code) => {
  process.exitCode = code;
}, (error: unknown) => {
  process.stderr.write(`rtconform-fake-runtime: ${String(error)}\n`);
  process.exitCode = 1;
});
