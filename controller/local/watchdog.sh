#!/bin/sh
# Usage: watchdog.sh COMMAND [ARG...]
#
# Runs COMMAND as a child and ends it (SIGTERM) when this script's standard input reaches end of
# file. The Node process that starts the test bed holds the only write end of that pipe, so the
# servers go away whenever Node does, also on SIGKILL, where no exit handler runs. SIGTERM, SIGINT
# and SIGHUP sent to this script are passed on to COMMAND; the script exits with COMMAND's status.
# A COMMAND that has not exited 10 seconds after SIGTERM (an apiserver draining on a loaded
# machine) gets SIGKILL, so nothing outlives its Node process for long.
exec 3<&0
"$@" </dev/null 3<&- &
child=$!
killer=
trap 'kill -TERM "$child" 2>/dev/null; ( sleep 10; kill -KILL "$child" 2>/dev/null ) >/dev/null 2>&1 & killer=$!' TERM INT HUP
( while read -r _; do :; done; kill -TERM $$ 2>/dev/null ) <&3 >/dev/null 2>&1 &
reader=$!
exec 3<&-
while :; do
  wait "$child"
  status=$?
  # wait also returns when a trapped signal arrives; keep waiting until COMMAND is really gone.
  kill -0 "$child" 2>/dev/null || break
done
# The reader and the SIGKILL timer are subshells of this script (same command line): end them too,
# so nothing that names COMMAND outlives it.
kill "$reader" $killer 2>/dev/null
exit "$status"
