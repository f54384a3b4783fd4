# strace_sum.awk: bench/profile.sh's summary of a full `strace -f -ttt -T
# -yy` trace of some rpxd workers: calls, errors and wall time per
# request for each system call, the wall time spent waiting in poll()
# (epoll_wait is the idle wait for a connection), and the key service
# round trip seen from the worker: from
# the start of a sendto() on a UNIX socket (the request to the key
# holder) to the end of the next recvfrom() on that socket in the same
# process that returned data (the answer).
# Requests are counted in the trace itself, so that the figures cover
# exactly the traced time (strace attaches to hundreds of workers one at
# a time, under load for seconds): -v per=accept (the handshake loads,
# one request per connection) counts only whole cycles of a worker, from
# an accept() that returned a descriptor to its next one, each a request
# (what came before a worker's first accept or after its last is left
# out); -v per=backend (keep-alive) counts writes to a TCP socket whose
# peer is the backend port -v port=P, one per request (the request head
# fits one TLS record), and every call.
# Lines: PID TIME name(args) = result <duration>, or split in two as
# "PID TIME name(args <unfinished ...>" and
# "PID TIME <... name resumed>...) = result <duration>".

function add(pid, name, result, d) {	# into pid's current cycle
	if (!index(" " pnames[pid] " ", " " name " "))
		pnames[pid] = pnames[pid] " " name
	pc[pid, name]++
	pw[pid, name] += d
	if (result ~ /^-1 /)
		pe[pid, name]++
}

function commit(pid,    m, i, nm) {	# pid's cycle into the totals
	m = split(pnames[pid], nm, " ")
	for (i = 1; i <= m; i++) {
		calls[nm[i]] += pc[pid, nm[i]]
		total += pc[pid, nm[i]]
		wall[nm[i]] += pw[pid, nm[i]]
		errs[nm[i]] += pe[pid, nm[i]]
		if (nm[i] ~ /^p?poll$/)	# epoll_wait: idle, awaiting a connection
			waited += pw[pid, nm[i]]
		delete pc[pid, nm[i]]
		delete pw[pid, nm[i]]
		delete pe[pid, nm[i]]
	}
	pnames[pid] = ""
}

function account(pid, name, args, result, t0, d) {
	if (per == "accept" && name ~ /^accept4?$/ && result ~ /^[0-9]+/) {
		if (started[pid]) {
			commit(pid)
			requests++
		} else {
			m = split(pnames[pid], nm0, " ")	# before its first cycle: dropped
			for (i0 = 1; i0 <= m; i0++) {
				delete pc[pid, nm0[i0]]; delete pw[pid, nm0[i0]]; delete pe[pid, nm0[i0]]
			}
			pnames[pid] = ""
			started[pid] = 1
		}
	}
	add(pid, name, result, d)
	if (per != "accept")
		commit(pid)
	if (per == "backend" && name ~ /^(write|sendto|writev|sendmsg)$/ && index(args, "->127.0.0.1:" port "]") && result !~ /^-1 /)
		requests++
	if (name == "sendto" && args ~ /^[0-9]+<UNIX/)
		sent[pid, unixfd(args)] = t0
	if (name == "recvfrom" && args ~ /^[0-9]+<UNIX/ && result ~ /^[1-9]/) {
		fd = unixfd(args)
		if ((pid, fd) in sent) {
			rtt[++nr] = (t0 + d - sent[pid, fd]) * 1e6
			delete sent[pid, fd]
		}
	}
}

function unixfd(args) { return substr(args, 1, index(args, "<") - 1) }

{
	if ($1 !~ /^[0-9]+$/ || $2 !~ /^[0-9]+\.[0-9]+$/)
		next
	pid = $1
	t = $2 + 0
	rest = $0
	sub(/^[0-9]+ +[0-9.]+ +/, "", rest)
	if (rest ~ /^(\+\+\+|---)/)
		next
	if (rest ~ /<unfinished \.\.\.>$/) {
		name = rest
		sub(/\(.*/, "", name)
		args = rest
		sub(/^[a-z0-9_]+\(/, "", args)
		pname[pid] = name
		pargs[pid] = args
		pt[pid] = t
		next
	}
	d = 0
	if (match(rest, /<[0-9]+\.[0-9]+>$/))
		d = substr(rest, RSTART + 1, RLENGTH - 2) + 0
	result = rest
	if (!sub(/.*\) += /, "", result))
		result = "?"
	if (rest ~ /^<\.\.\. [a-z0-9_]+ resumed>/) {
		name = rest
		sub(/^<\.\.\. /, "", name)
		sub(/ resumed>.*/, "", name)
		if (pname[pid] != name)	# resumed without its start (attached meanwhile)
			next
		account(pid, name, pargs[pid], result, pt[pid], d)
		delete pname[pid]
		next
	}
	name = rest
	sub(/\(.*/, "", name)
	if (name !~ /^[a-z0-9_]+$/)
		next
	args = rest
	sub(/^[a-z0-9_]+\(/, "", args)
	account(pid, name, args, result, t, d)
}

END {
	if (requests <= 0) {
		print "    no request in the trace: no figures"
		exit
	}
	n = requests
	printf "    %d requests in the trace (%s), %d system calls: %.1f per request\n", n,
	    per == "accept" ? "accepted connections" : "request writes to the backend", total, total / n
	printf "    %-18s %10s %10s %14s\n", "system call", "calls/req", "errors/req", "wall us/req"
	k = 0
	for (c in calls)
		order[++k] = c
	# by calls per request, highest first (insertion sort: a few dozen)
	for (a = 2; a <= k; a++) {
		v = order[a]
		for (b = a - 1; b >= 1 && calls[order[b]] < calls[v]; b--)
			order[b + 1] = order[b]
		order[b + 1] = v
	}
	for (a = 1; a <= k && a <= 20; a++)
		printf "    %-18s %10.2f %10.2f %14.1f\n", order[a], calls[order[a]] / n, errs[order[a]] / n, wall[order[a]] * 1e6 / n
	printf "    time in poll(): %.0f us per request (in a connection, waiting for the client, the backend or the key holder; tracing included)\n", waited * 1e6 / n
	if (nr > 0) {
		for (a = 2; a <= nr; a++) {
			v = rtt[a]
			for (b = a - 1; b >= 1 && rtt[b] > v; b--)
				rtt[b + 1] = rtt[b]
			rtt[b + 1] = v
		}
		printf "    key service round trip (worker side, tracing included): %d requests, p50 %.0f us, p90 %.0f us, p99 %.0f us, max %.0f us\n",
		    nr, rtt[int(nr * 0.5) + 1], rtt[int(nr * 0.9) + 1], rtt[int(nr * 0.99) + 1], rtt[nr]
	}
}
