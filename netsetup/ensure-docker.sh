#!/usr/bin/env bash
# Makes sure a Docker engine answers, the way .ci/run and the README's set-up need it:
# - an engine that already answers (DOCKER_HOST or the default socket) is used as it is;
# - on Debian without one: installs Debian's docker.io and starts dockerd in the background.
# Prints what it does; exits non-zero with one clear line when it cannot.
set -euo pipefail

say() { printf 'ensure-docker: %s\n' "$*"; }

if docker info >/dev/null 2>&1; then
  say "a Docker engine answers ($(docker version --format '{{.Server.Version}}' 2>/dev/null || echo '?'))"
  exit 0
fi
if [ -n "${DOCKER_HOST:-}" ]; then
  say "DOCKER_HOST=$DOCKER_HOST does not answer; start that engine or unset DOCKER_HOST" >&2
  exit 1
fi
if ! command -v dockerd >/dev/null 2>&1; then
  if ! command -v apt-get >/dev/null 2>&1 || [ "$(id -u)" != 0 ]; then
    say "no Docker engine and no way to install one here (needs Debian/Ubuntu and root); install Docker and start it" >&2
    exit 1
  fi
  say "installing Debian's docker.io (about 15 s)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq docker.io iptables >/dev/null
fi
# A killed dockerd leaves its pid file, and the next one refuses to start.
pidfile=/var/run/docker.pid
if [ -f "$pidfile" ] && ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then
  say "removing the stale $pidfile"
  rm -f "$pidfile"
fi
# So does its containerd: dockerd trusts a pid file whose pid is alive, even when that pid
# now belongs to another process, and then waits 20 s for a containerd that is not there.
cpidfile=/var/run/docker/containerd/containerd.pid
if [ -f "$cpidfile" ] && [ "$(cat "/proc/$(cat "$cpidfile")/comm" 2>/dev/null)" != containerd ]; then
  say "removing the stale $cpidfile"
  rm -f "$cpidfile"
fi
if ! pgrep -x dockerd >/dev/null 2>&1; then
  say "starting dockerd (log: /tmp/dockerd.log)"
  setsid dockerd >/tmp/dockerd.log 2>&1 < /dev/null &
fi
for i in $(seq 1 60); do
  if docker info >/dev/null 2>&1; then
    say "engine up after ${i}x0.5 s ($(docker version --format '{{.Server.Version}}'))"
    exit 0
  fi
  sleep 0.5
done
say "dockerd did not answer within 30 s; see /tmp/dockerd.log" >&2
tail -5 /tmp/dockerd.log >&2 || true
exit 1
