#!/bin/sh
# When it refuses anything, it says so in one line of 5 MB on stderr: twenty times what the adapter
# keeps of stderr, on every refusal of a run (the 50 MB line of one call is in
# src/runtime/cli-runtime.test.ts).
. "$(dirname "$0")/verb.sh"
"$FAKE" "$@"
rc=$?
if [ "$rc" -ne 0 ]; then head -c 5000000 /dev/zero | tr '\0' e >&2; fi
exit "$rc"
