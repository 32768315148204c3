#!/usr/bin/env bash
# Builds an offline stand-in for the Dockerfile's default base image from
# Debian packages (no container registry needed): debootstrap a minimal
# Debian with Node.js, iproute2, iptables and the tools of a network engineer
# (ping, traceroute, tcpdump), then `docker import` it.
#   usage: netsetup/build-base-image.sh [IMAGE [builder]]   (default conntest-base:trixie-2)
# With `builder`: the image the Dockerfile compiles the native addon in (its
# build stage): Node.js with its headers, node-gyp, make, a C compiler.
# Debian 13 "trixie" is used because its nodejs is 20, which the agent needs.
set -euo pipefail
say() { printf 'build-base-image: %s\n' "$*"; }
image="${1:-conntest-base:trixie-2}"
kind="${2:-base}"
suite="${SUITE:-trixie}"
packages=nodejs,iproute2,iptables,ca-certificates,iputils-ping,traceroute,tcpdump
role=base
if [ "$kind" = builder ]; then
  # node-gyp is npm's own (Debian's package has dependencies debootstrap cannot resolve)
  npm_dir="$(npm root -g 2>/dev/null)/npm"
  if [ ! -f "$npm_dir/node_modules/node-gyp/bin/node-gyp.js" ]; then
    say "no npm with node-gyp on this host ($npm_dir): install npm, or build without the addon"
    exit 1
  fi
  packages=nodejs,libnode-dev,make,gcc,g++,python3
  role=builder
fi
if docker image inspect "$image" >/dev/null 2>&1; then
  say "$image is already there"
  exit 0
fi
if ! command -v debootstrap >/dev/null 2>&1; then
  say "installing debootstrap"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
fi
root="$(mktemp -d /tmp/conntest-base.XXXXXX)"
log="$root.log"
trap 'rm -rf "$root" "$log"' EXIT
say "debootstrap $suite ($kind: $packages) into $root (a minute or more; progress below)"
if ! debootstrap --variant=minbase --include="$packages" "$suite" "$root" 2>&1 \
  | tee "$log" \
  | grep --line-buffered -E '^I: (Retrieving|Validating|Extracting|Installing|Configuring) ' \
  | awk '{ n++; if (n % 25 == 0) { print "  ... " $0; fflush() } }'; then
  say "debootstrap failed: $(grep -E '^(E|W):' "$log" | tail -1)"
  grep -E '^dpkg: (error|dependency)' "$root/debootstrap/debootstrap.log" 2>/dev/null | head -3 || true
  exit 1
fi
if [ "$kind" = builder ]; then
  mkdir -p "$root/usr/local/lib/node_modules" "$root/usr/local/bin"
  cp -a "$npm_dir" "$root/usr/local/lib/node_modules/"
  ln -s ../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js "$root/usr/local/bin/node-gyp"
fi
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
say "importing as $image"
tar -C "$root" -c . | docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change "LABEL org.conntest-lab.role=$role" - "$image" >/dev/null
say "done: $(docker run --rm "$image" node --version) in $image"
