# A 1 GiB chunked upload streams through a worker whose memory stays flat.
. "$IT/main.conf.sh"
main_conf > "$WORK/main.conf"
start_rpxd "$WORK/main.conf" || fail "rpxd starts"

rm -f "$WORK/nginx/dav/big.bin"
r=$(head -c 1073741824 /dev/zero | curl -s --max-time 300 -H 'Host: dav.example.com' \
    -H 'Transfer-Encoding: chunked' -T - -o /dev/null -w '%{http_code}' http://127.0.0.1/big.bin)
expect "1 GiB chunked upload answered 201" "$r" 201
size=$(stat -c %s "$WORK/nginx/dav/big.bin" 2>/dev/null || echo 0)
expect "1 GiB arrived whole at the backend" "$size" 1073741824
rm -f "$WORK/nginx/dav/big.bin"
peak=0
for p in $(workers); do
	hwm=$(awk '/^VmHWM:/ {print $2}' "/proc/$p/status" 2>/dev/null || echo 0)
	[ "${hwm:-0}" -gt "$peak" ] && peak=$hwm
done
if [ -n "${RPXD_SANITIZED:-}" ]; then
	echo "skip worker peak RSS check under AddressSanitizer (peak ${peak} KiB)"
else
	check "worker peak RSS under 16 MiB during the upload (${peak} KiB)" test "$peak" -lt 16384
fi
