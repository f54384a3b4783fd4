#!/usr/bin/env bash
# Benchmark: what the key service costs. Full TLS handshakes/s through rpxd
# with its private keys in key holders (rpxd-keys, the normal build) versus
# in the workers (make KEYS_IN_WORKER=1, built in a temporary copy of this
# tree), ECDSA P-256 and RSA-2048 leaves, with HAProxy and nginx on the
# same machine for context. The runs are bench/run.sh's tls-hs rows, in
# interleaved rounds (rpxd rpxd-kiw haproxy nginx, then the reverse: the
# two rpxd builds are always back to back), pinned as run.sh pins them
# (proxies on one CPU, the load on the other); this script builds both
# variants, calls run.sh and prints the comparison, PASS when the key
# service keeps at least 90 % of the keys-in-worker handshakes/s.
# Env: ROUNDS (3), DURATION (6 s), PROXIES ("rpxd rpxd-kiw haproxy
# nginx"; must keep the first two), KEEP=1 (keep the work dirs). Exit
# status 1 on a FAIL or a missing figure. Run as root.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-6}
CONNS=50		# run.sh's handshake rows
PROXIES=${PROXIES:-rpxd rpxd-kiw haproxy nginx}
MIN_RATIO=0.90
OUT=bench/results/keys

[ "$(id -u)" = 0 ] || { echo "keys.sh: run as root (rpxd drops privileges)" >&2; exit 1; }
for p in rpxd rpxd-kiw; do case " $PROXIES " in *" $p "*) ;;
	*) echo "keys.sh: PROXIES must name rpxd and rpxd-kiw" >&2; exit 1 ;; esac; done

# The normal build; make rebuilds its objects if they are of the other
# flavour (.flavour), so this is always the key-service build.
make -j2 rpxd rpxd-worker rpxd-health rpxd-keys >/dev/null ||
    { echo "keys.sh: make failed" >&2; exit 1; }

# The keys-in-worker build, from the same sources (tracked and untracked,
# as they are now, not HEAD) in a copy, so the tree's objects stay as they
# are. Its own rpxd-health and rpxd-keys: the master looks for them next
# to the worker program.
kiw=$(mktemp -d /tmp/rpxd-kiw.XXXXXX)
cleanup() { if [ "${KEEP:-0}" = 1 ]; then echo "keys.sh: keys-in-worker build kept in $kiw" >&2; else rm -rf "$kiw"; fi; }
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
chmod 755 "$kiw"
git ls-files -z --cached --others --exclude-standard | tar -c --null -T - | tar -x -C "$kiw" ||
    { echo "keys.sh: copying the tree failed" >&2; exit 1; }
echo "keys.sh: building the KEYS_IN_WORKER=1 variant in $kiw" >&2
make -C "$kiw" KEYS_IN_WORKER=1 -j2 rpxd rpxd-worker rpxd-health rpxd-keys > "$kiw/build.log" 2>&1 ||
    { echo "keys.sh: make KEYS_IN_WORKER=1 failed:" >&2; tail -20 "$kiw/build.log" >&2; exit 1; }

# 2 s of new handshakes per listener after each start: the pool and the
# key holders have served both keys before anything is counted.
ROWS="tls-hs-ecdsa-$CONNS tls-hs-rsa-$CONNS"
OUT=$OUT-full RPXD_KIW=$kiw PROXIES=$PROXIES ROWS=$ROWS ROUNDS=$ROUNDS DURATION=$DURATION HS_WARMUP=2 \
    bash bench/run.sh || { echo "keys.sh: run.sh failed" >&2; exit 1; }

# The comparison, from run.sh's per-run lines:
#   round R PROXY ROW req/s=V p99=L [errors]   and   round R PROXY key-holders=N
raw=$OUT-full-runs.txt
runs() { awk -v p="$1" -v row="$2" '$1 == "round" && $3 == p && $4 == row {
	sub(/^req\/s=/, "", $5); if ($5 != "none") print $5 }' "$raw"; }
median() { sort -g | awk '{a[NR] = $1} END { if (NR == 0) print "-"
	else if (NR % 2) print a[(NR + 1) / 2]; else printf "%.2f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.3f", a / b; else print "-" }'; }
# Per round, key service / keys in worker: the two ran back to back, so
# this pairs runs that saw about the same background load.
paired() { paste <(runs rpxd "$1") <(runs rpxd-kiw "$1") |
	awk 'NF == 2 && $2 > 0 { printf "%s%.3f", sep, $1 / $2; sep = " " }'; }
{
	status=0
	echo "key service (rpxd: keys in $(awk '$3 == "rpxd" && $4 ~ /^key-holders=/ {sub(/.*=/, "", $4); print $4; exit}' "$raw") key holders) vs keys in the worker (rpxd-kiw: KEYS_IN_WORKER=1 build, $(awk '$3 == "rpxd-kiw" && $4 ~ /^key-holders=/ {sub(/.*=/, "", $4); print $4; exit}' "$raw") key holders)"
	echo "full TLS 1.3 handshakes/s (bench/tlshs.c, $CONNS clients, a new connection and handshake per GET /small, never resumed),"
	echo "$ROUNDS round(s) of ${DURATION}s in order: $PROXIES; median over rounds; $(nproc) CPUs shared by client, backend and proxy"
	echo "PASS: key service >= $MIN_RATIO x keys in worker (ratio of the medians)"
	echo
	printf '%-12s %12s %12s %7s %5s   %-22s' scheme "key service" "in worker" ratio "" "per-round ratios"
	for p in $PROXIES; do case $p in rpxd|rpxd-kiw) ;; *) printf ' %10s' "$p";; esac; done
	echo
	for s in ecdsa rsa; do
		row=tls-hs-$s-$CONNS
		a=$(runs rpxd "$row" | median) b=$(runs rpxd-kiw "$row" | median)
		q=$(ratio "$a" "$b")
		v=$(awk -v q="$q" -v m="$MIN_RATIO" 'BEGIN { if (q == "-") print "?"; else if (q + 0 >= m) print "PASS"; else print "FAIL" }')
		[ "$v" = PASS ] || status=1
		name=ECDSA-P256; [ $s = rsa ] && name=RSA-2048
		printf '%-12s %12s %12s %7s %5s   %-22s' "$name" "$a" "$b" "$q" "$v" "$(paired "$row")"
		for p in $PROXIES; do case $p in rpxd|rpxd-kiw) ;; *) printf ' %10s' "$(runs "$p" "$row" | median)";; esac; done
		echo
	done
	echo
	echo "errors, resumed sessions or non-2xx (run.sh's notes): $(grep -c '^note:' "$OUT-full.txt") note(s)"
	grep '^note:' "$OUT-full.txt"
	echo "full table: $OUT-full.txt, per-run figures: $raw"
	exit $status
} | tee "$OUT.txt"
exit "${PIPESTATUS[0]}"
