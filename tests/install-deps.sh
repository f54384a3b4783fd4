#!/bin/sh
# Installs what rpxd needs to build and to run its whole test suite on
# Debian or Ubuntu, as root. Services installed here are not started:
# the tests start their own nginx and Apache httpd on loopback ports.
set -eu
# libclang-rt-dev: libFuzzer for the default clang (make fuzz, tests/fuzz/).
# prometheus: promtool, which checks rpxctl metrics' text (t_84).
# libwbclient-dev, libkrb5-dev: rpxd-winbind (ntlm-source = "winbind",
# negotiate-keytab); samba,
# samba-ad-dc, samba-ad-provision, winbind, krb5-user: the Active
# Directory domain controller t_73 provisions and starts on loopback;
# python3-gssapi: t_73's client that requires mutual authentication,
# and t_75's SPNEGO client (with gss-ntlmssp).
PKGS="build-essential pkg-config libssl-dev libconfuse-dev check clang
nginx curl python3 procps iproute2 mandoc openssl testssl.sh systemd wrk
apache2 libapache2-mod-auth-gssapi gss-ntlmssp python3-requests-ntlm
rsyslog python3-cryptography libclang-rt-dev haproxy keepalived prometheus
libwbclient-dev libkrb5-dev samba samba-ad-dc samba-ad-provision winbind
krb5-user python3-gssapi"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
	    missing="$missing $p"
done
[ -z "$missing" ] && exit 0
# Keep package scripts from starting nginx, apache2 or samba during the
# install.
made_policy=0
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
	chmod 755 /usr/sbin/policy-rc.d
	made_policy=1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing
[ "$made_policy" = 1 ] && rm -f /usr/sbin/policy-rc.d
exit 0
