# Sourced by the hostile runtimes: finds the verb after the global flags rtconform passes, the
# bundle dir of a create or run, and the bundled fake runtime every one of them wraps (each
# misbehaves in one way, and is the fake for the rest).
FAKE="$(cd "$(dirname "$0")/../../../.." && pwd)/dist/fake-runtime/rtconform-fake-runtime"
verb=
skip=
for a in "$@"; do
  if [ -n "$skip" ]; then skip=; continue; fi
  case $a in
    --root|--log|--log-format) skip=1 ;;
    -*) ;;
    *) verb=$a; break ;;
  esac
done
bundle=.
prev=
for a in "$@"; do
  case $prev in --bundle|-b) bundle=$a ;; esac
  case $a in --bundle=*) bundle=${a#--bundle=} ;; esac
  prev=$a
done
