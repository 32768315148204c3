#!/usr/bin/env bash
# Makes sure tmux is installed: the terminal-UI tests (the agent's table, the lab dashboard)
# run in its real pseudo-terminal, and `npm test` must not pass by skipping them.
# Silent when tmux is there; on Debian/Ubuntu installs it (through sudo when not root, asking
# for the password on a terminal); otherwise one line with the command to run by hand, and exit 1.
set -euo pipefail

say() { printf 'ensure-tmux: %s\n' "$*"; }
command -v tmux >/dev/null 2>&1 && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
  say "tmux is not installed, and this is not Debian/Ubuntu; install tmux (the terminal-UI tests need it) and run the tests again" >&2
  exit 1
fi
as_root=()
if [ "$(id -u)" != 0 ]; then
  if ! command -v sudo >/dev/null 2>&1; then
    say "tmux is not installed (the terminal-UI tests need it), and installing it needs root (no sudo here); run as root: apt-get install -y tmux" >&2
    exit 1
  fi
  if ! sudo -n true 2>/dev/null; then
    # sudo can ask for the password only on a terminal
    if [ ! -t 0 ] || ! { say "installing tmux needs root: asking sudo for the password"; sudo -v; }; then
      say "tmux is not installed (the terminal-UI tests need it); run: sudo apt-get install -y tmux" >&2
      exit 1
    fi
  fi
  as_root=(sudo -n)
fi
say "installing tmux for the terminal-UI tests (apt-get)"
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tmux >/dev/null 2>&1 ||
  { "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tmux >/dev/null; } ||
  { say "apt-get install tmux failed (its message is above); fix apt, then run: sudo apt-get install -y tmux" >&2; exit 1; }
