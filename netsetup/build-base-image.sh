#!/usr/bin/env bash
# Builds an offline stand-in for the Dockerfile's default base image from
# Debian packages (no container registry needed): debootstrap a minimal
# Debian with Node.js, iproute2 and iptables, then `docker import` it.
#   usage: netsetup/build-base-image.sh [IMAGE]   (default conntest-base:trixie)
# Debian 13 "trixie" is used because its nodejs is 20, which the agent needs.
set -euo pipefail
image="${1:-conntest-base:trixie}"
suite="${SUITE:-trixie}"
say() { printf 'build-base-image: %s\n' "$*"; }

if docker image inspect "$image" >/dev/null 2>&1; then
  say "$image is already there"
  exit 0
fi
if ! command -v debootstrap >/dev/null 2>&1; then
  say "installing debootstrap"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
fi
root="$(mktemp -d /tmp/conntest-base.XXXXXX)"
trap 'rm -rf "$root"' EXIT
say "debootstrap $suite into $root (about a minute; progress below)"
debootstrap --variant=minbase --include=nodejs,iproute2,iptables,ca-certificates "$suite" "$root" \
  | grep --line-buffered -E '^I: (Retrieving|Validating|Extracting|Installing|Configuring) ' \
  | awk '{ n++; if (n % 25 == 0) { print "  ... " $0; fflush() } }'
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
say "importing as $image"
tar -C "$root" -c . | docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'LABEL org.conntest-lab.role=base' - "$image" >/dev/null
say "done: $(docker run --rm "$image" node --version) in $image"
