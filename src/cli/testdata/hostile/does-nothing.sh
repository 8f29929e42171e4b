#!/bin/sh
# Says its version, then exits 0 for every call and does nothing at all.
. "$(dirname "$0")/verb.sh"
if [ "$1" = --version ]; then exec "$FAKE" --version; fi
exit 0
