#!/usr/bin/env bash
# A fake kubectl for the k8s deployer's tests (no cluster is reachable from the lab's machines).
# It appends each call (its arguments on one line) to $FAKE_KUBECTL_DIR/calls.log and keeps
# what `apply -f -` reads as applied-N.json; `config current-context` answers fake-context,
# `get pods` fake-pod, `logs [-f] POD -c C` the canned $FAKE_KUBECTL_DIR/logs/C.log (with -f
# and FAKE_KUBECTL_FOLLOW_LINES=n only its first n lines: a follow that dropped); anything else
# succeeds silently. FAKE_KUBECTL_FAIL=<word>: a call with that argument fails (exit 1).
# FAKE_KUBECTL_HOLD=1: `logs -f` then waits until killed, as a follow of a running container.
set -u
dir="${FAKE_KUBECTL_DIR:?FAKE_KUBECTL_DIR is not set}"
printf '%s\n' "$*" >> "$dir/calls.log"
if [[ -n "${FAKE_KUBECTL_FAIL:-}" && " $* " == *" ${FAKE_KUBECTL_FAIL} "* ]]; then
  echo "error: fake failure on ${FAKE_KUBECTL_FAIL}" >&2
  exit 1
fi
case "$1" in
  config) echo fake-context ;;
  apply)
    n=$(find "$dir" -maxdepth 1 -name 'applied-*' | wc -l)
    cat > "$dir/applied-$n.json"
    echo applied ;;
  get) echo fake-pod ;;
  logs)
    container=""
    prev=""
    for arg in "$@"; do
      if [[ "$prev" == "-c" ]]; then container="$arg"; fi
      prev="$arg"
    done
    file="$dir/logs/$container.log"
    if [[ " $* " == *" -f "* ]]; then
      if [[ -f "$file" ]]; then head -n "${FAKE_KUBECTL_FOLLOW_LINES:-1000000}" "$file"; fi
      if [[ -n "${FAKE_KUBECTL_HOLD:-}" ]]; then exec sleep 600; fi
    elif [[ -f "$file" ]]; then
      cat "$file"
    fi ;;
  *) ;;
esac
