#!/bin/sh
# `state` prints 5 MB on stdout: five times what the adapter keeps of stdout, on every state call
# of a run (the 50 MB flood of one call is in src/runtime/cli-runtime.test.ts).
. "$(dirname "$0")/verb.sh"
if [ "$verb" = state ]; then head -c 5000000 /dev/zero | tr '\0' x; exit 0; fi
exec "$FAKE" "$@"
