#!/bin/sh
# `state` prints 50 MB on stdout.
. "$(dirname "$0")/verb.sh"
if [ "$verb" = state ]; then head -c 50000000 /dev/zero | tr '\0' x; exit 0; fi
exec "$FAKE" "$@"
