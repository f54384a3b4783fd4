# The man pages: all three clean under mandoc's linter; rpxd.conf(5) documents every
# option of the parser with its default, and etc/rpxd.conf names each one;
# the EXAMPLES of rpxd.conf(5) are etc/examples/*.conf word for word, and
# rpxd -n accepts each of those with real certificates and CA files.
if command -v mandoc >/dev/null; then
	out=$(mandoc -T lint -W warning "$TOP/etc/rpxd.8" \
	    "$TOP/etc/rpxd.conf.5" "$TOP/etc/rpxctl.8" 2>&1)
	expect "mandoc -T lint -W warning: rpxd.8, rpxd.conf.5, rpxctl.8 clean" \
	    "$out" ""
else
	fail "mandoc is installed (tests/install-deps.sh)"
fi

out=$(python3 "$IT/manpage_options.py" "$TOP" page 2>&1)
expect "rpxd.conf.5 documents every parser option with its default" \
    "$out" ""
out=$(python3 "$IT/manpage_options.py" "$TOP" conf 2>&1)
expect "etc/rpxd.conf names every parser option" "$out" ""

# The certificates and CA file the examples name, made by the test PKI.
. "$IT/tls_pki.sh"
make_pki "$WORK/pki" || fail "the test PKI is made"
ex="$WORK/examples"
mkdir -p "$ex"
C=contoso.com
pki_leaf "$WORK/pki" ex-lync rsa "lyncweb.$C" "DNS:lyncweb.$C,DNS:meet.$C,DNS:dialin.$C,DNS:lyncdiscover.$C" &&
    pki_leaf "$WORK/pki" ex-wac rsa "wac.$C" "DNS:wac.$C" &&
    pki_leaf "$WORK/pki" ex-mail rsa "mail.$C" "DNS:mail.$C,DNS:autodiscover.$C" ||
    fail "the examples' certificates are made"
for n in lync wac mail; do
	cp "$WORK/pki/ex-$n.pem" "$ex/$n.pem"
	cp "$WORK/pki/ex-$n.key" "$ex/$n.key"
done
cp "$WORK/pki/ca.pem" "$ex/contoso-ca.pem"
chmod 600 "$ex"/*.key

for f in "$TOP"/etc/examples/*.conf; do
	n=$(basename "$f")
	[ "$n" = keepalived.conf ] && continue	# not rpxd's: checked below
	python3 "$IT/manpage_example.py" "$TOP/etc/rpxd.conf.5" "$n" \
	    > "$ex/$n.from-page"
	if cmp -s "$ex/$n.from-page" "$f"; then
		pass "rpxd.conf.5 EXAMPLES shows etc/examples/$n unchanged"
	else
		fail "rpxd.conf.5 EXAMPLES shows etc/examples/$n unchanged" \
		    "$(diff "$f" "$ex/$n.from-page" | head -5)"
	fi
	sed -e "s|/etc/rpxd/|$ex/|g" "$f" > "$ex/$n"
	out=$("$TOP/rpxd" -n -f "$ex/$n" 2>&1); rc=$?
	expect "rpxd -n accepts etc/examples/$n: exit 0" "$rc" 0
	expect "rpxd -n on etc/examples/$n: configuration OK, no warning" \
	    "$out" "$ex/$n: configuration OK"
done
for n in lync2013.conf exchange.conf keepalived.conf; do
	check "etc/examples/$n exists" test -s "$TOP/etc/examples/$n"
done
# The fleet example of rpxd(8) FLEET is keepalived's own syntax.
if command -v keepalived >/dev/null; then
	# In a network namespace of its own with an eth0 (veth): VRRP needs
	# the interface the example names, which a test host may lack.
	check "keepalived --config-test accepts etc/examples/keepalived.conf" \
	    unshare -n sh -c "ip link add eth0 type veth peer name eth0p &&
	    ip link set eth0 up &&
	    keepalived -t -f '$TOP/etc/examples/keepalived.conf'"
else
	fail "keepalived installed" "run tests/install-deps.sh"
fi

# make install puts the examples where rpxd.conf(5) FILES says.
make -s -C "$TOP" install DESTDIR="$WORK/inst" PREFIX=/usr/local \
    >"$WORK/inst.log" 2>&1 || fail "make install DESTDIR=..." \
    "$(tail -3 "$WORK/inst.log")"
for f in "$TOP"/etc/examples/*.conf; do
	check "make install puts $(basename "$f") in share/examples/rpxd" \
	    cmp -s "$f" "$WORK/inst/usr/local/share/examples/rpxd/$(basename "$f")"
done
check "rpxd.conf.5 FILES names share/examples/rpxd" \
    grep -q '^\.It Pa /usr/local/share/examples/rpxd/$' "$TOP/etc/rpxd.conf.5"
