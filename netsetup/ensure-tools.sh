#!/usr/bin/env bash
# Makes sure the host tools the tests use are installed, each a Debian package:
#   tmux      the terminal-UI tests (the agent's table, the lab dashboard) run in its real
#             pseudo-terminal, and `npm test` must not pass by skipping them;
#   graphviz  `conntest-lab graph --format svg|png` renders with its `dot`, offline;
#   docker-compose  the test that a lab's Compose export comes up on its own (Debian's 1.29).
# Silent when they are there; on Debian/Ubuntu installs what is missing (through sudo when not
# root, asking for the password on a terminal); otherwise one line with the command to run by
# hand, and exit 1.
set -euo pipefail

say() { printf 'ensure-tools: %s\n' "$*"; }
missing=()
command -v tmux >/dev/null 2>&1 || missing+=(tmux)
command -v dot >/dev/null 2>&1 || missing+=(graphviz)
command -v docker-compose >/dev/null 2>&1 || docker compose version >/dev/null 2>&1 || missing+=(docker-compose)
[ "${#missing[@]}" -eq 0 ] && exit 0
what="${missing[*]}"
if ! command -v apt-get >/dev/null 2>&1; then
  say "$what not installed, and this is not Debian/Ubuntu; install $what (the tests need them) and run the tests again" >&2
  exit 1
fi
as_root=()
if [ "$(id -u)" != 0 ]; then
  if ! command -v sudo >/dev/null 2>&1; then
    say "$what not installed (the tests need them), and installing needs root (no sudo here); run as root: apt-get install -y $what" >&2
    exit 1
  fi
  if ! sudo -n true 2>/dev/null; then
    # sudo can ask for the password only on a terminal
    if [ ! -t 0 ] || ! { say "installing $what needs root: asking sudo for the password"; sudo -v; }; then
      say "$what not installed (the tests need them); run: sudo apt-get install -y $what" >&2
      exit 1
    fi
  fi
  as_root=(sudo -n)
fi
say "installing $what for the tests (apt-get)"
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1 ||
  { "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null; } ||
  { say "apt-get install $what failed (its message is above); fix apt, then run: sudo apt-get install -y $what" >&2; exit 1; }
