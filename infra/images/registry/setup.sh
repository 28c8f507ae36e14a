#!/bin/sh
# Runs inside the registry image's root file system (chroot) once debootstrap is done.
set -eu
# the registry runs as this user; its storage (a directory of the data dir, bind-mounted at
# /var/lib/docker-registry) belongs to it
groupadd --gid 10001 registry
useradd --uid 10001 --gid 10001 --home-dir /var/lib/docker-registry --no-create-home --shell /usr/sbin/nologin registry
mkdir -p /var/lib/docker-registry /etc/slipway-registry
chown registry:registry /var/lib/docker-registry
update-ca-certificates >/dev/null
apt-get clean
rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /usr/share/doc/* /usr/share/man/* /usr/share/info/* \
  /usr/share/locale/* /var/log/*.log /var/log/apt/* /tmp/* /root/.cache
