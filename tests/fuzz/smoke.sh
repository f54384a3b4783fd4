#!/usr/bin/env bash
# make fuzz-smoke: runs each libFuzzer harness over the saved crash
# reproducers of tests/fuzz/crashes/<harness>/ (each once: regressions),
# then fuzzes it for SECONDS from its seed corpus tests/fuzz/corpus/<harness>/.
# Everything it writes (new inputs, crash artifacts, logs) goes to one
# temporary directory, removed when all passed and kept (and named) when
# not. Harnesses in $FUZZ_EXPECT_FAIL find a known bug today: their
# failure is reported, not fatal; their passing is fatal, so that the
# mark goes once the fix is in.
# Usage: smoke.sh SECONDS HARNESS...
set -u
cd "$(dirname "$0")/../.."
secs=$1
shift
tmp=$(mktemp -d "${TMPDIR:-/tmp}/rpxd-fuzz.XXXXXX") || exit 1
status=0
expected=0

# Runs harness $1; 0 if nothing crashed. The log is $tmp/$1/log.
run_one() {
	local h=$1 bin=tests/fuzz/bin/fuzz_$1 crashes=()
	local opts=(-timeout=10 -rss_limit_mb=2048 -print_final_stats=1
	    "-artifact_prefix=$tmp/$h/artifacts/")
	mkdir -p "$tmp/$h/corpus" "$tmp/$h/artifacts"
	if [ -d "tests/fuzz/crashes/$h" ]; then
		mapfile -t crashes < <(find "tests/fuzz/crashes/$h" -type f \
		    ! -name '*.txt' | sort)
	fi
	if [ ${#crashes[@]} -gt 0 ] && ! "$bin" "${opts[@]}" "${crashes[@]}" \
	    > "$tmp/$h/log" 2>&1; then
		echo "fuzz_$h: a saved reproducer still fails"
		return 1
	fi
	"$bin" "${opts[@]}" -max_total_time="$secs" "$tmp/$h/corpus" \
	    "tests/fuzz/corpus/$h" >> "$tmp/$h/log" 2>&1 || return 1
	echo "fuzz_$h: ok, $(grep -o 'stat::number_of_executed_units: [0-9]*' \
	    "$tmp/$h/log" | tail -1 | awk '{print $2}') runs in ${secs}s"
}

for h in "$@"; do
	expect_fail=0
	case " ${FUZZ_EXPECT_FAIL:-} " in
	*" $h "*) expect_fail=1 ;;
	esac
	if run_one "$h"; then
		if [ "$expect_fail" = 1 ]; then
			echo "fuzz_$h: passes now: take it out of FUZZ_EXPECT_FAIL"
			status=1
		fi
		continue
	fi
	grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error|.*property failed)' \
	    "$tmp/$h/log" | head -5 | sed "s/^/fuzz_$h: /"
	if [ "$expect_fail" = 1 ]; then
		echo "fuzz_$h: fails as expected (FUZZ_EXPECT_FAIL, known bug)"
		expected=$((expected + 1))
		continue
	fi
	echo "fuzz_$h: FAILED; log and reproducer in $tmp/$h/"
	status=1
done
if [ "$status" = 0 ]; then
	rm -rf "$tmp"
	echo "fuzz-smoke: passed ($expected known failure(s) as expected)"
else
	echo "fuzz-smoke: FAILED (kept $tmp)"
fi
exit "$status"
