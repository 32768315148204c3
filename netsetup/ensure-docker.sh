#!/usr/bin/env bash
# Makes sure a Docker engine answers, the way `npm test`, `npm run lab` and .ci/run need it:
# - an engine that already answers (DOCKER_HOST or the default socket) is used as it is;
# - DOCKER_HOST set but not answering: the user pointed elsewhere, so nothing is started here;
# - on Debian/Ubuntu without one: installs Debian's docker.io and starts dockerd, through
#   sudo when not root.
# Prints what it does; exits non-zero with one line saying what to run by hand when it cannot.
set -euo pipefail

say() { printf 'ensure-docker: %s\n' "$*"; }
fail() {
  say "$*" >&2
  exit 1
}
self="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")"
user="$(id -un)"
sock=/var/run/docker.sock

if docker info >/dev/null 2>&1; then
  say "a Docker engine answers ($(docker version --format '{{.Server.Version}}' 2>/dev/null || echo '?'))"
  exit 0
fi
if [ -n "${DOCKER_HOST:-}" ]; then
  fail "no Docker engine answers at DOCKER_HOST=$DOCKER_HOST; start that engine, or unset DOCKER_HOST to use (and set up) the local one"
fi

# Root's commands run as they are, others through sudo (asking for the password once, here;
# -n afterwards so that nothing hangs on a prompt).
use_sudo=""
root() { if [ -n "$use_sudo" ]; then sudo -n "$@"; else "$@"; fi; }
need_root() {
  if [ "$(id -u)" = 0 ] || [ -n "$use_sudo" ]; then return 0; fi
  if ! command -v sudo >/dev/null 2>&1; then
    fail "no Docker engine answers, and $1 needs root (no sudo here); run as root: su -c 'bash $self'"
  fi
  if ! sudo -n true 2>/dev/null; then
    # Without a terminal sudo cannot ask for a password.
    [ -t 0 ] || fail "no Docker engine answers, and $1 needs root (sudo wants a password, and there is no terminal to ask in); run: sudo bash $self"
    say "$1 needs root: asking sudo for the password"
    sudo -v || fail "no Docker engine answers, and $1 needs root (sudo refused); run as root: su -c 'bash $self'"
  fi
  say "using sudo for $1"
  use_sudo=1
}

# The engine's socket belongs to root and the docker group. Joining the group takes a new
# login, so this user is also given the socket itself (an ACL, at once) for this session;
# the group keeps it open after dockerd re-creates the socket. Docker's group is root-equivalent:
# say so, since this is done on the user's behalf.
open_socket() {
  need_root "opening the Docker socket to $user"
  say "adding $user to the docker group (as good as root on this machine) and opening $sock to $user now"
  root usermod -aG docker "$user" ||
    fail "could not add $user to the docker group; run: sudo usermod -aG docker $user, then log in again"
  if ! command -v setfacl >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
    root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq acl >/dev/null 2>&1 || true
  fi
  root setfacl -m "u:$user:rw" "$sock" 2>/dev/null ||
    fail "the Docker engine at $sock is not open to $user yet; log in again (you are now in the docker group), then run this again"
}

# An engine runs but this user may not use its socket: starting another would not help.
if [ "$(id -u)" != 0 ] && [ -S "$sock" ] && [ ! -w "$sock" ] && pgrep -x dockerd >/dev/null 2>&1; then
  open_socket
  docker info >/dev/null 2>&1 || fail "the Docker engine at $sock is still not open to $user; log in again, then run this again"
  say "the Docker engine at $sock is open to $user"
  exit 0
fi

# A user's PATH often lacks /usr/sbin, where Debian puts dockerd.
dockerd_path() { PATH="$PATH:/usr/sbin:/sbin" command -v dockerd; }
if ! dockerd_path >/dev/null 2>&1; then
  if ! command -v apt-get >/dev/null 2>&1; then
    fail "no Docker engine answers, and this is not Debian/Ubuntu (no apt-get), so none is installed here; install Docker (https://docs.docker.com/engine/install/), start it, and run this again"
  fi
  need_root "installing Debian's docker.io"
  say "no Docker engine answers: installing Debian's docker.io and iptables (apt-get, about 15 s)"
  root env DEBIAN_FRONTEND=noninteractive apt-get update -qq ||
    fail "apt-get update failed (its message is above); fix apt, then run: bash $self"
  root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io iptables >/dev/null ||
    fail "apt-get install docker.io iptables failed (its message is above); fix apt, then run: bash $self"
fi

if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
  # A systemd host runs dockerd as its docker service (the package enables it).
  if ! systemctl is-active --quiet docker; then
    need_root "starting the docker service"
    say "starting the docker service (systemctl start docker)"
    root systemctl start docker
  fi
elif ! pgrep -x dockerd >/dev/null 2>&1; then
  need_root "starting dockerd"
  # A killed dockerd leaves its pid file, and the next one refuses to start.
  pidfile=/var/run/docker.pid
  if [ -f "$pidfile" ] && ! root kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    say "removing the stale $pidfile"
    root rm -f "$pidfile"
  fi
  # So does its containerd: dockerd trusts a pid file whose pid is alive, even when that pid
  # now belongs to another process, and then waits 20 s for a containerd that is not there.
  cpidfile=/var/run/docker/containerd/containerd.pid
  if [ -f "$cpidfile" ] && [ "$(cat "/proc/$(cat "$cpidfile")/comm" 2>/dev/null)" != containerd ]; then
    say "removing the stale $cpidfile"
    root rm -f "$cpidfile"
  fi
  say "starting dockerd in the background (log: /tmp/dockerd.log)"
  # setsid -f: dockerd outlives this script (and sudo); the log is opened as root.
  root sh -c "exec setsid -f $(dockerd_path) >/tmp/dockerd.log 2>&1 </dev/null"
fi

# Asked as root (the socket is root's until this user may use it), then as this user.
for i in $(seq 1 60); do
  if root docker info >/dev/null 2>&1; then
    say "engine up after ${i}x0.5 s ($(root docker version --format '{{.Server.Version}}'))"
    if ! docker info >/dev/null 2>&1; then
      open_socket
      docker info >/dev/null 2>&1 || fail "the Docker engine at $sock is still not open to $user; log in again, then run this again"
    fi
    exit 0
  fi
  sleep 0.5
done
say "dockerd did not answer within 30 s; see /tmp/dockerd.log" >&2
tail -5 /tmp/dockerd.log >&2 || true
exit 1
