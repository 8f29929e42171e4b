#!/bin/sh
# `state` never answers (run with a short --call-timeout).
. "$(dirname "$0")/verb.sh"
if [ "$verb" = state ]; then exec sleep 600; fi
exec "$FAKE" "$@"
