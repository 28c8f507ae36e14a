#!/bin/sh
# Runs inside the edge image's root file system (chroot) once debootstrap is done. No network needed.
set -eu
groupadd --gid 10000 edge
useradd --uid 10000 --gid 10000 --home-dir /var/lib/slipway-edge --no-create-home --shell /usr/sbin/nologin edge
# the agent writes the configuration here; nginx keeps its pid, temp files and logs here
mkdir -p /var/lib/slipway-edge/routes /var/lib/slipway-edge/logs /var/lib/slipway-edge/tmp
# logs go to the container's output (docker service logs), not into the container's layer
ln -sf /dev/stdout /var/lib/slipway-edge/logs/access.log
ln -sf /dev/stderr /var/lib/slipway-edge/logs/error.log
chown -R edge:edge /var/lib/slipway-edge
chmod 0755 /usr/local/bin/slipway-edge
# Debian's own site configuration is not used (nginx runs with -c from the agent)
rm -f /etc/nginx/sites-enabled/default
update-ca-certificates >/dev/null
apt-get clean
rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /usr/share/doc/* /usr/share/man/* /usr/share/info/* \
  /usr/share/locale/* /var/log/*.log /var/log/apt/* /tmp/* /root/.cache
