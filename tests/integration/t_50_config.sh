# rpxd -n: the configuration check an operator runs before a reload.
. "$IT/main.conf.sh"
main_conf > "$WORK/check.conf"
out=$("$TOP/rpxd" -n -f "$WORK/check.conf" 2>&1); rc=$?
expect "rpxd -n accepts a good configuration" "$rc" 0
expect_match "rpxd -n says so" "$out" 'configuration OK'
out=$("$TOP/rpxd" -n -f "$TOP/etc/rpxd.conf" 2>&1); rc=$?
expect "the shipped example configuration passes rpxd -n" "$rc" 0

printf 'user = "nobody"\nlistener "a" {\n\taddress = "127.0.0.1"\n\tport = 80\n\troute "r" {\n\t\tbackend = "nowhere"\n\t}\n}\n' > "$WORK/bad1.conf"
out=$("$TOP/rpxd" -n -f "$WORK/bad1.conf" 2>&1); rc=$?
expect "undefined backend: exit 1" "$rc" 1
expect_match "undefined backend: file:line: names it" "$out" "$WORK/bad1.conf:[0-9]+:.*nowhere"
printf 'usr = "nobody"\n' > "$WORK/bad2.conf"
out=$("$TOP/rpxd" -n -f "$WORK/bad2.conf" 2>&1); rc=$?
expect "unknown option: exit 1" "$rc" 1
expect_match "unknown option: file:line: names it" "$out" "$WORK/bad2.conf:1:.*usr"
out=$("$TOP/rpxd" -n -f "$WORK/missing.conf" 2>&1); rc=$?
expect "missing file: exit 1" "$rc" 1
expect_match "missing file: names it" "$out" "missing.conf"
