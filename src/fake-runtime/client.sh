#!/bin/sh
# rtconform-fake-runtime: the command of rtconform's fake runtime. The fake itself is node
# (main.cjs), and a node start costs 60 ms of CPU; so a call that names a state root (--root)
# whose resident fake runs (server.cjs, see server.ts for the protocol) is handed to it and costs
# this shell instead. Anything else, and any call the resident declines (f), runs main.cjs.
self=$0
[ -L "$self" ] && self=$(readlink -f "$self")
dir=${self%/*}

root= prev= version= verb=
for arg do
  if [ -n "$prev" ]; then
    [ "$prev" = --root ] && root=$arg
    prev=
    continue
  fi
  case $arg in
    --root=*) root=${arg#*=} ;;
    --root|--log|--log-format) prev=$arg ;;
    --version|-v) version=1 ;;
    -*) ;;
    *) verb=$arg; break ;;
  esac
done
# What --version prints is fixed at build time (the file beside this one).
[ -n "$version" ] && [ -f "$dir/version" ] && exec cat "$dir/version"
[ -n "$root" ] || exec node "$dir/main.cjs" "$@"
# Under a monitor (conmon, a subreaper) the container's process must become the monitor's child
# once the runtime exits, as runc's does: only a create in a process of its own gives that. The
# monitor may call us through a wrapper (a vendor's, or bench:suite's measuring one), and a
# subreaper adopts orphans from below it at any depth: so any of the nearest ancestors counts.
if [ "$verb" = create ]; then
  ancestor=$PPID
  for _ in 1 2 3 4; do
    comm=
    { read -r comm < "/proc/$ancestor/comm"; } 2>/dev/null
    [ "$comm" = conmon ] && exec node "$dir/main.cjs" "$@"
    { read -r stat < "/proc/$ancestor/stat"; } 2>/dev/null || break
    # After the command's ") ": state, then the parent's pid.
    stat=${stat##*) }
    stat=${stat#* }
    ancestor=${stat%% *}
    [ "$ancestor" -gt 1 ] 2>/dev/null || break
  done
fi
case $root in /*) ;; *) root=$PWD/$root ;; esac
server=$root/@server
# Every verb makes the root (as the fake does), so its resident fake can start on the first call.
[ -n "$verb" ] && [ ! -d "$root" ] && mkdir -p -m 700 "$root" 2>/dev/null

# alive PID START: whether process PID runs and started at START (a reused pid is another process).
alive() {
  want=$2
  { read -r stat < "/proc/$1/stat"; } 2>/dev/null || return 1
  set -- ${stat##*) }
  shift 19
  [ "$1" = "$want" ]
}

pid= start=
{ read -r pid start < "$server/pid"; } 2>/dev/null
if [ -z "$pid" ] || ! alive "$pid" "$start"; then
  # None runs: start one (the mkdir lets one caller do it). A resident fake that is starting
  # (its dir there, no pid yet) answers within ~0.2 s: wait for it rather than start a node of
  # our own (70 ms of CPU). One that left a pid and died answers never: run this call in node.
  starting=
  if mkdir "$server" 2>/dev/null; then
    setsid node "$dir/server.cjs" "$root" </dev/null >/dev/null 2>&1 &
    starting=1
  elif [ -z "$pid" ] && [ -d "$server" ]; then
    starting=1
  fi
  [ -n "$starting" ] || exec node "$dir/main.cjs" "$@"
  tries=0 pid=
  until { read -r pid start < "$server/pid"; } 2>/dev/null && alive "$pid" "$start"; do
    tries=$((tries + 1))
    [ "$tries" -le 100 ] || exec node "$dir/main.cjs" "$@"
    sleep 0.01
  done
fi

# The caller's stdio, kept on 3-5 for a container process (the resident fake opens them through
# /proc): 0-2 are redirected below while the call is handed over.
for n in 0 1 2; do
  [ -e "/proc/$$/fd/$n" ] || exec node "$dir/main.cjs" "$@"
done
exec 3<&0 4>&1 5>&2
reply=$server/calls/$$
mkfifo -m 600 "$reply" 2>/dev/null || exec node "$dir/main.cjs" "$@"
exec 9<>"$reply"
trap '' PIPE
if printf '%s\0' "$PWD" "${RTCONFORM_FAKE_FAULTS-}" "$@" > "$reply.argv" && printf '%s\n' "$$" > "$server/requests"; then
  trap - PIPE
  # The reply: output lines (o, e; O, E without the newline), then the exit code (x), or f.
  while IFS= read -r line <&9; do
    case $line in
      o*) printf '%s\n' "${line#o}" ;;
      e*) printf '%s\n' "${line#e}" >&2 ;;
      O*) printf '%s' "${line#O}" ;;
      E*) printf '%s' "${line#E}" >&2 ;;
      x*) exit "${line#x}" ;;
      f) break ;;
      # Anything else is a bug of ours; the call may have run, so it must not run again in node.
      *) echo "rtconform-fake-runtime: the resident fake answered \"$line\"" >&2; exit 1 ;;
    esac
  done
else
  trap - PIPE
  rm -f "$reply" "$reply.argv"
fi
exec 3<&- 4>&- 5>&- 9<&-
exec node "$dir/main.cjs" "$@"
