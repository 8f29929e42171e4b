#!/bin/sh
# `state` answers in prose.
. "$(dirname "$0")/verb.sh"
if [ "$verb" = state ]; then echo 'the container is doing fine, thanks'; exit 0; fi
exec "$FAKE" "$@"
