#!/usr/bin/env bash
# Makes a Docker engine available for the container deployer, idempotently: when DOCKER_HOST
# names a reachable engine, or the local socket answers, it does nothing; otherwise (as root on
# Debian) it installs Debian's docker.io plus the packet-filter tools the nemesis uses from the
# host (nftables, iptables; util-linux gives nsenter) and starts dockerd in the background.
# vfs is the storage driver because it works on any filesystem, overlay-in-overlay included;
# it is slow, so the node image is kept small (chaos/deploy/container/image.ts).
set -euo pipefail

log_file="${MQLAB_DOCKERD_LOG:-/var/log/mqlab-dockerd.log}"
socket="/var/run/docker.sock"

engine_answers() { docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

if [[ -n "${DOCKER_HOST:-}" ]]; then
  if engine_answers; then echo "docker-up: using the engine at DOCKER_HOST=$DOCKER_HOST"; exit 0; fi
  echo "docker-up: DOCKER_HOST=$DOCKER_HOST does not answer; unset it to start a local engine" >&2
  exit 1
fi

need_install=()
command -v dockerd >/dev/null 2>&1 || need_install+=(docker.io)
command -v nft >/dev/null 2>&1 || need_install+=(nftables)
command -v iptables >/dev/null 2>&1 || need_install+=(iptables)
command -v nsenter >/dev/null 2>&1 || need_install+=(util-linux)
# chaos/topologies/<name>/docker-compose.yml and its container test use Debian's docker-compose.
command -v docker-compose >/dev/null 2>&1 || need_install+=(docker-compose)
if ((${#need_install[@]})); then
  if [[ $(id -u) -ne 0 ]]; then echo "docker-up: need root to install ${need_install[*]}" >&2; exit 1; fi
  echo "docker-up: installing ${need_install[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need_install[@]}" >/dev/null
fi
# The client: Debian's docker.io ships one; keep whichever is already on PATH.
command -v docker >/dev/null 2>&1 || { echo "docker-up: no docker client after install" >&2; exit 1; }

if engine_answers; then echo "docker-up: engine already running"; exit 0; fi
if [[ $(id -u) -ne 0 ]]; then echo "docker-up: no engine answers and only root can start one" >&2; exit 1; fi

# A stale pid file from a killed dockerd blocks the next start.
if [[ -f /var/run/docker.pid ]] && ! kill -0 "$(cat /var/run/docker.pid)" 2>/dev/null; then
  rm -f /var/run/docker.pid
fi
if ! pgrep -x dockerd >/dev/null 2>&1; then
  echo "docker-up: starting dockerd (log: $log_file)"
  nohup dockerd --storage-driver=vfs --host="unix://$socket" >>"$log_file" 2>&1 </dev/null &
fi
for _ in $(seq 1 120); do
  if engine_answers; then
    echo "docker-up: engine $(docker version --format '{{.Server.Version}}') ready"
    exit 0
  fi
  sleep 0.5
done
echo "docker-up: dockerd did not answer within 60 s; last lines of $log_file:" >&2
tail -n 30 "$log_file" >&2 || true
exit 1
