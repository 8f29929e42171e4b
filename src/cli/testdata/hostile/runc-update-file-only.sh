#!/bin/sh
# runc whose update reads --resources only from a file: `-` is taken as a file's name, as by a
# runtime that never learned the form containerd (go-runc) uses. Everything else is runc.
. "$(dirname "$0")/verb.sh"
if [ "$verb" = update ]; then
  prev=
  for a in "$@"; do
    if { [ "$prev" = --resources ] || [ "$prev" = -r ]; } && [ "$a" = - ]; then
      echo "open -: no such file or directory" >&2
      exit 1
    fi
    prev=$a
  done
fi
exec runc "$@"
