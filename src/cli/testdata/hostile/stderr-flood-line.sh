#!/bin/sh
# When it refuses anything, it says so in one line of 50 MB on stderr.
. "$(dirname "$0")/verb.sh"
"$FAKE" "$@"
rc=$?
if [ "$rc" -ne 0 ]; then head -c 50000000 /dev/zero | tr '\0' e >&2; fi
exit "$rc"
