#!/usr/bin/env bash
# A Rust CLI worker of scripts/test-shared-state.sh.
#
#   bash cli-worker.sh NAME PHONE...
#
# Runs `vibergate send --json` (the first `vibergate` on PATH: the test's debug build) once per
# PHONE, one after the other, with the DSN in VIBERGATE_DSN (an SMS Club account with
# `shared_state`): each send is a process of its own, a worker that joins the account's shared
# schedule anew every time. Prints one JSON line per send on standard output: the recipient's
# buckets, or the error the command printed (its exit code with it). The core's WARNING about
# an unreachable shared state (`vibergate: WARNING: …`) stays on standard error, which the
# checker reads.
set -uo pipefail
name=$1
shift
i=0
for phone in "$@"; do
  i=$((i + 1))
  rc=0
  out=$(vibergate send --to "$phone" --text "shared-state $name $i" --json) || rc=$?
  if [ -z "$out" ]; then
    # Nothing on standard output: say so, or the checker would only see a missing recipient.
    jq -nc --arg w "$name" --arg to "$phone" --argjson rc "$rc" \
      '{worker: $w, to: $to, error: {code: "no_output", message: "vibergate send printed nothing (exit \($rc))"}}'
    continue
  fi
  jq -c --arg w "$name" --arg to "$phone" --argjson rc "$rc" '
    if has("accepted") then
      {worker: $w, to: $to, accepted: [.accepted[].phone], rejected: [.rejected[].phone],
       uncertain: [.uncertain[].phone]}
    else
      {worker: $w, to: $to, error: {code: .code, message: .message, exit: $rc}}
    end' <<<"$out" || jq -nc --arg w "$name" --arg to "$phone" --arg out "$out" \
    '{worker: $w, to: $to, error: {code: "unparsable", message: $out}}'
done
