#!/bin/sh
# The first `state` call of a run (counted in its --root) answers in prose; every later one is
# the fake's. A test that meets it fails once, and passes when run again: flaky.
. "$(dirname "$0")/verb.sh"
root=
prev=
for a in "$@"; do
  [ "$prev" = --root ] && root=$a
  prev=$a
done
if [ "$verb" = state ] && [ -n "$root" ] && mkdir -p "$root" && mkdir "$root/.first-state-lied" 2>/dev/null; then
  echo 'not today'
  exit 0
fi
exec "$FAKE" "$@"
