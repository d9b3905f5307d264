#!/usr/bin/env bash
# Install what the remote-store tests run as their second engine, idempotently: Virtuoso's server
# and SQL client (virtuoso-t, isql-vt) from Debian's virtuoso-opensource-7-bin. Only the binaries:
# the tests start their own Virtuoso (own virtuoso.ini and database, 127.0.0.1, free ports) and
# stop it. The full virtuoso-opensource package would also set up and start a system-wide server
# (ports 1111 and 8890) and ask for a DBA password.
set -euo pipefail

if ! command -v virtuoso-t >/dev/null 2>&1 || ! command -v isql-vt >/dev/null 2>&1; then
    sudo_cmd=()
    [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
    "${sudo_cmd[@]}" apt-get update -qq
    "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        -o DPkg::Lock::Timeout=300 virtuoso-opensource-7-bin
fi
dpkg-query -W -f='${Package} ${Version}\n' virtuoso-opensource-7-bin
