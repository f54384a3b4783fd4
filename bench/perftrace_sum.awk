# perftrace_sum.awk: bench/profile.sh's summary of a `perf trace -a -G
# <rpxd's cgroup>` of the handshake loads, all of rpxd's processes: calls,
# errors and time per request for each system call (a request is an
# accept() that returned a descriptor: one request per connection), the
# workers' time in poll() (epoll_wait is their idle wait for a
# connection), and the key service round trip seen from the
# workers: from the start of a sendto() to the end of the next
# recvfrom() on the same descriptor of the same process that returned
# data (a worker's only sendto/recvfrom pair is its key channel).
# Lines: "TIME ( DUR ms): comm/PID name(args) = result", a call that
# others interrupted as "TIME ( ): comm/PID name(args) ..." and later
# "TIME ( DUR ms): comm/PID  ... [continued]: name()) = result", or with
# "?" for TIME when perf trace did not see the call start.

function account(pid, name, args, result, t0, d,    fd) {
	calls[name]++
	total++
	wall[name] += d
	if (result ~ /^-1/)
		errs[name]++
	if (comm == "rpxd-worker" && name ~ /^p?poll$/)	# epoll_wait: idle, awaiting a connection
		waited += d
	if (name ~ /^accept4?$/ && result ~ /^[0-9]+/)
		requests++
	if (comm != "rpxd-worker")
		return
	if (name == "sendto" && match(args, /^fd: [0-9]+/))
		sent[pid, substr(args, 5, RLENGTH - 4)] = t0
	if (name == "recvfrom" && result ~ /^[1-9]/ && match(args, /^fd: [0-9]+/)) {
		fd = substr(args, 5, RLENGTH - 4)
		if ((pid, fd) in sent) {
			rtt[++nr] = (t0 + d - sent[pid, fd]) * 1000
			delete sent[pid, fd]
		}
	}
}

match($0, /^ *([0-9]+\.[0-9]+|\?) \( *[0-9.]* *(ms)?\): [^ ]+\/[0-9]+ /) {
	head = substr($0, 1, RLENGTH)
	rest = substr($0, RLENGTH + 1)
	known = head !~ /^ *\?/	# "?": perf trace lost the call's start
	t = head + 0
	d = head
	sub(/^[^(]*\( */, "", d)
	d = d + 0	# ms; empty for an interrupted call
	pid = head
	sub(/ *$/, "", pid)
	comm = pid
	sub(/.*\//, "", pid)
	sub(/^.*\): /, "", comm)
	sub(/\/[0-9]+$/, "", comm)
	sub(/^ +/, "", rest)
	result = rest
	if (!sub(/.*\) += /, "", result))
		result = ""
	if (rest ~ /^\.\.\. \[continued\]: /) {
		name = rest
		sub(/^\.\.\. \[continued\]: /, "", name)
		sub(/\(.*/, "", name)
		if (pname[pid] == name && known)
			account(pid, name, pargs[pid], result, pt[pid], t + d - pt[pid])
		else if (name ~ /^[a-z0-9_]+$/) {	# counted, its time unknown
			account(pid, name, "", result, 0, 0)
			untimed++
		}
		delete pname[pid]
		next
	}
	name = rest
	sub(/\(.*/, "", name)
	if (name !~ /^[a-z0-9_]+$/)
		next
	args = rest
	sub(/^[a-z0-9_]+\(/, "", args)
	if (result == "") {	# interrupted: its end comes later
		pname[pid] = name
		pargs[pid] = args
		pt[pid] = t
		next
	}
	account(pid, name, args, result, t, d)
}

END {
	if (requests <= 0) {
		print "    no accepted connection in the trace: no figures"
		exit
	}
	n = requests
	printf "    %d connections accepted (one request each), %d system calls: %.1f per request\n", n, total, total / n
	printf "    %-18s %10s %10s %14s\n", "system call", "calls/req", "errors/req", "us/req"
	k = 0
	for (c in calls)
		order[++k] = c
	for (a = 2; a <= k; a++) {
		v = order[a]
		for (b = a - 1; b >= 1 && calls[order[b]] < calls[v]; b--)
			order[b + 1] = order[b]
		order[b + 1] = v
	}
	for (a = 1; a <= k && a <= 25; a++)
		printf "    %-18s %10.2f %10.2f %14.1f\n", order[a], calls[order[a]] / n, errs[order[a]] / n, wall[order[a]] * 1000 / n
	printf "    workers' time in poll(): %.0f us per request (in a connection, waiting for the client, the backend or the key holder;\n", waited * 1000 / n
	printf "      %d calls whose start perf trace lost are counted without their time)\n", untimed
	if (nr > 0) {
		for (a = 2; a <= nr; a++) {
			v = rtt[a]
			for (b = a - 1; b >= 1 && rtt[b] > v; b--)
				rtt[b + 1] = rtt[b]
			rtt[b + 1] = v
		}
		printf "    key service round trip (worker side, sendto to recvfrom): %d signatures, p50 %.0f us, p90 %.0f us, p99 %.0f us, max %.0f us\n",
		    nr, rtt[int(nr * 0.5) + 1], rtt[int(nr * 0.9) + 1], rtt[int(nr * 0.99) + 1], rtt[nr]
	}
}
