#!/bin/sh
# Runs inside the new root file system (chroot) once debootstrap is done. No network needed.
set -eu
# the non-root user every app process runs as
groupadd --gid 10000 app
useradd --uid 10000 --gid 10000 --home-dir /app --no-create-home --shell /bin/bash app
mkdir -p /app
chown app:app /app
chmod 0755 /usr/local/bin/slipway-run /usr/local/bin/slipway-health /usr/local/bin/slipway-attach
# no setuid/setgid programs: an app process can never gain privileges by running one (also where the
# engine cannot set no-new-privileges on a service)
find / -xdev -type f -perm /6000 -exec chmod ug-s {} +
# extra CA certificates the build machine trusts (copied in by scripts/lib/docker.sh), if any
update-ca-certificates >/dev/null
# what the image does not need at run time
apt-get clean
rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /usr/share/doc/* /usr/share/man/* /usr/share/info/* \
  /usr/share/locale/* /var/log/*.log /var/log/apt/* /tmp/* /root/.cache
