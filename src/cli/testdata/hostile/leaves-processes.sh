#!/bin/sh
# Leaves a process behind on every call, create included: a `sleep` in the call's process group,
# named $RTCONFORM_HOSTILE_MARK (what the test looks for afterwards), each one logged to
# $RTCONFORM_HOSTILE_LOG. Then does the fake's work.
. "$(dirname "$0")/verb.sh"
mark=${RTCONFORM_HOSTILE_MARK:-rtconform-hostile-leftover}
bash -c 'exec -a "$0" sleep 1000' "$mark" </dev/null >/dev/null 2>&1 &
[ -n "${RTCONFORM_HOSTILE_LOG:-}" ] && echo "${verb:-none} $!" >> "$RTCONFORM_HOSTILE_LOG"
exec "$FAKE" "$@"
