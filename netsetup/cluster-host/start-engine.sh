#!/bin/sh
# Starts the inner Docker engine of a simulated host. Docker mounts the
# cgroup v1 hierarchies read-only into a container that is not privileged:
# mount each again read-write, or every inner container fails with
# "mkdir /sys/fs/cgroup/cpuset/docker: read-only file system".
set -e
if [ -d /sys/fs/cgroup ] && [ ! -f /sys/fs/cgroup/cgroup.controllers ]; then
  for dir in /sys/fs/cgroup/*; do
    [ -d "$dir" ] || continue
    name=$(basename "$dir")
    case "$name" in
      unified) continue ;;
      systemd) opts=none,name=systemd ;;
      *) opts=$name ;;
    esac
    # a symlink such as cpu -> cpu,cpuacct is mounted through its target
    [ -L "$dir" ] && continue
    umount "$dir" 2>/dev/null || true
    mount -t cgroup -o "$opts" cgroup "$dir" 2>/dev/null || true
  done
fi
# The TCP endpoint is reachable only on the cluster's private bridge: it is never published.
exec dockerd -H unix:///var/run/docker.sock -H tcp://0.0.0.0:2375 --tls=false
