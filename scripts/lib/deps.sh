# deps.sh: install the Debian 12 packages Kith needs, quickly when they are all present.
# Sourced by scripts/run and scripts/test; `kith_deps build` or `kith_deps test`.

KITH_DEPS_BUILD="build-essential cmake pkg-config libevent-dev liblmdb-dev libxml2-dev
libical-dev libssl-dev libldap2-dev libhttp-parser-dev libcrypt-dev libinih-dev uuid-dev
openssl"
# Test tools: cmocka, clang + its runtime (sanitizers, libFuzzer), Debian's python3 and the
# real clients and tools the integration tests drive.
KITH_DEPS_TEST="libcmocka-dev clang libclang-rt-14-dev python3 lmdb-utils ldap-utils curl
litmus python3-ldap3 python3-ldap python3-caldav vdirsyncer khard khal todoman"

kith_deps() {
    local want="$KITH_DEPS_BUILD"
    [ "${1:-build}" = test ] && want="$want $KITH_DEPS_TEST"
    local missing=""
    for p in $want; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
    done
    [ -z "$missing" ] && return 0
    echo "Installing Debian packages:$missing"
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    export DEBIAN_FRONTEND=noninteractive
    # Refresh the package lists only when an install from them fails (they may be stale).
    $sudo apt-get install -y -q --no-install-recommends $missing >/tmp/kith-apt.log 2>&1 || {
        $sudo apt-get update -q >>/tmp/kith-apt.log 2>&1
        $sudo apt-get install -y -q --no-install-recommends $missing >>/tmp/kith-apt.log 2>&1
    } || { echo "apt-get failed; see /tmp/kith-apt.log" >&2; tail -20 /tmp/kith-apt.log >&2; return 1; }
}
