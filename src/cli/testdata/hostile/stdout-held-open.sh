#!/bin/sh
# Leaves a child behind that keeps the caller's stdout and stderr open for 3 s after every `state`.
. "$(dirname "$0")/verb.sh"
if [ "$verb" = state ]; then sleep 3 & fi
exec "$FAKE" "$@"
