#!/bin/bash
# bench.sh - speed and memory of this build on this machine (make bench).
#
#   bench/bench.sh BUILDDIR SRCDIR
#
# Prints, for each measurement, the figure and the command behind it.
# Digit streams come from the reference data when DIGIT_DATA is set (MNIST
# t10k), else from the project's own digits (data/external_digits,
# distorted by digitaugment up to 10,000 images).  Whole numbers per
# second are measured on a stream of 3,000 numbers of 4 to 6 of the
# project's own digits, 64 px high (bench/number-stream), read by the
# default pipeline `pnmdigitprep | digitclassify` on one core, with the
# count read whole beside it (a check that the numbers were cut, not an
# accuracy figure: models may train on these digits).  BENCH_PREP_OPTS
# adds options to pnmdigitprep there (e.g. --split for a build that reads
# whole numbers only with it).  Phone photos (640x480 colour, uneven
# light, bench/photo-stream) are timed through pnmdigitprep on one core.
# Training figures need DIGIT_DATA;
# BENCH_TRAIN=0 leaves them out.
set -u
build=${1:-.}
src=${2:-.}
PATH="$build:$PATH"
# libtool's wrapper scripts in the build tree cost a shell's start-up on
# every run: time the programs themselves, with the build's libdigit.
if [ -x "$build/.libs/digitclassify" ]; then
    PATH="$build/.libs:$PATH"
    LD_LIBRARY_PATH="$build/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    export LD_LIBRARY_PATH
fi
export LC_ALL=C
unset DIGIT_MODEL
export DIGIT_MODEL_DIR="$src/model"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/digitbench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

now() { date +%s.%N; }
# peak RSS in MiB and wall seconds of a command: "WALL RSS"
measure() {
    /usr/bin/time -f '%e %M' -o "$tmp/time" "$@" >/dev/null 2>"$tmp/err" \
        || { echo "bench: failed: $*" >&2; cat "$tmp/err" >&2; return 1; }
    awk '{printf "%.3f %.1f", $1, $2 / 1024}' "$tmp/time"
}
# best wall time of 3 runs of a shell command line
best_of_3() {
    local best= t0 t1 t
    for _ in 1 2 3; do
        t0=$(now)
        bash -c "$1" >/dev/null || return 1
        t1=$(now)
        t=$(calc "$t1 - $t0")
        if [ -z "$best" ] || [ "$(calc "$t < $best")" = 1 ]; then
            best=$t
        fi
    done
    echo "$best"
}
calc() { awk "BEGIN { print $1 }"; }
rate() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f", a / b }'; }

echo "digitfilters benchmark: $(uname -m), $(nproc) cores, $(date -u +%Y-%m-%d)"
grep -m1 'model name' /proc/cpuinfo 2>/dev/null | sed 's/^.*: /cpu: /'
echo

# ---- a 10,000-image digit stream ----
if [ -n "${DIGIT_DATA:-}" ] && [ -d "$DIGIT_DATA/mnist" ]; then
    "$src/scripts/idx2pgm" "$DIGIT_DATA/mnist/t10k-images-idx3-ubyte.gz" \
        > "$tmp/digits.pgm"
    what="MNIST t10k"
else
    # one cell per digit image, whatever the reading of numbers makes of
    # it: 797 bytes each, which the cut below counts on
    find "$src/data/external_digits" -type f | sort |
        xargs pnmdigitprep --single > "$tmp/base.pgm"
    n=$(digitclassify "$tmp/base.pgm" | wc -l)
    per=$(( (10000 + n - 1) / n ))
    digitaugment -n "$per" --seed=1 < "$tmp/base.pgm" \
        | head -c $((10000 * 797)) > "$tmp/digits.pgm"
    what="project digits, distorted"
fi
count=$(digitclassify "$tmp/digits.pgm" | wc -l)
for i in 1 2 3 4 5; do cat "$tmp/digits.pgm"; done > "$tmp/digits5.pgm"
printf '%-48s %s\n' "digit stream:" "$count images ($what)"

t=$(best_of_3 "OMP_NUM_THREADS=1 digitclassify < $tmp/digits.pgm")
printf '%-48s %8s digits/s  (%.3f s)\n' "digitclassify, 1 thread, 10,000 digits:" \
    "$(rate "$count" "$t")" "$t"
t=$(best_of_3 "OMP_NUM_THREADS=1 digitclassify < $tmp/digits5.pgm")
printf '%-48s %8s digits/s  (%.3f s)\n' "digitclassify, 1 thread, 50,000 digits:" \
    "$(rate $((count * 5)) "$t")" "$t"
t=$(best_of_3 "digitclassify -j $(nproc) < $tmp/digits5.pgm")
printf '%-48s %8s digits/s  (%.3f s)\n' "digitclassify, all cores, 50,000 digits:" \
    "$(rate $((count * 5)) "$t")" "$t"
read -r _ rss <<<"$(measure env OMP_NUM_THREADS=1 digitclassify "$tmp/digits5.pgm")"
printf '%-48s %8s MiB\n' "digitclassify peak RSS:" "$rss"

head -c 797 "$tmp/digits.pgm" > "$tmp/one.pgm"
if command -v hyperfine >/dev/null 2>&1; then
    # Without a shell in between: the figure is the tool's own.
    hyperfine -N --warmup 10 --runs 100 --style none \
        --export-csv "$tmp/h.csv" "digitclassify $tmp/one.pgm" >/dev/null
    ms=$(awk -F, 'NR == 2 { printf "%.2f", $2 * 1000 }' "$tmp/h.csv")
    how="mean of 100 runs, hyperfine"
else
    t0=$(now)
    for _ in $(seq 100); do digitclassify "$tmp/one.pgm" >/dev/null; done
    t1=$(now)
    ms=$(calc "($t1 - $t0) * 10")
    how="mean of 100 runs from bash, fork included"
fi
printf '%-48s %8.2f ms (%s)\n' "start to answer, one image:" "$ms" "$how"
true_ms=$(hyperfine -N --warmup 10 --runs 100 --style none \
    --export-csv "$tmp/t.csv" true >/dev/null 2>&1 \
    && awk -F, 'NR == 2 { printf "%.2f", $2 * 1000 }' "$tmp/t.csv")
[ -n "$true_ms" ] && printf '%-48s %8.2f ms\n' "  (for scale: /bin/true)" "$true_ms"

# ---- scans ----
if [ -x "$src/bench/scan-stream" ]; then
    "$src/bench/scan-stream" -n 10000 > "$tmp/scans.pgm"
    t=$(best_of_3 "pnmdigitprep < $tmp/scans.pgm | digitclassify")
    printf '%-48s %8s images/s (%.3f s)\n' \
        "pnmdigitprep | digitclassify, 10,000 112x112:" "$(rate 10000 "$t")" "$t"
    t=$(best_of_3 "OMP_NUM_THREADS=1 pnmdigitprep < $tmp/scans.pgm")
    printf '%-48s %8s images/s (%.3f s)\n' "pnmdigitprep alone:" \
        "$(rate 10000 "$t")" "$t"
    read -r _ rss <<<"$(measure pnmdigitprep "$tmp/scans.pgm")"
    printf '%-48s %8s MiB\n' "pnmdigitprep peak RSS:" "$rss"
fi

# ---- phone photos ----
if [ -x "$src/bench/photo-stream" ]; then
    np=500
    "$src/bench/photo-stream" -n "$np" -l "$tmp/photo.labels" \
        > "$tmp/photos.ppm"
    t=$(best_of_3 "OMP_NUM_THREADS=1 pnmdigitprep < $tmp/photos.ppm")
    printf '%-48s %8s images/s (%.3f s)\n' \
        "pnmdigitprep, $np 640x480 colour photos:" "$(rate "$np" "$t")" "$t"
    read_ok=$(pnmdigitprep < "$tmp/photos.ppm" 2>/dev/null | digitclassify \
              | paste -d' ' "$tmp/photo.labels" - | awk '$1 == $2' | wc -l)
    printf '%-48s %8s of %s\n' "  read right (a check, not a figure):" \
        "$read_ok" "$np"
fi

# ---- whole numbers ----
if [ -x "$src/bench/number-stream" ]; then
    nn=3000
    "$src/bench/number-stream" -n "$nn" -t "$tmp/truth.txt" > "$tmp/numbers.pgm"
    # One core for the whole pipeline: both processes on CPU 0.
    pin="env OMP_NUM_THREADS=1"
    if command -v taskset >/dev/null 2>&1 && taskset -c 0 true 2>/dev/null; then
        pin="$pin taskset -c 0"
    fi
    prep="pnmdigitprep ${BENCH_PREP_OPTS:-}"
    printf '%-48s %s\n' "number stream:" \
        "$nn numbers, 4-6 digits 64 px high (project digits)"
    t=$(best_of_3 "$pin $prep < $tmp/numbers.pgm | $pin digitclassify")
    printf '%-48s %8s numbers/s (%.3f s)\n' \
        "${prep% } | digitclassify, one core:" "$(rate "$nn" "$t")" "$t"
    ok=$($prep "$tmp/numbers.pgm" 2>/dev/null | digitclassify | tr -d ' ' \
         | paste -d ' ' "$tmp/truth.txt" - | awk '$2 == $3 { k++ } END { print k + 0 }')
    printf '%-48s %8s/%d\n' "  numbers read whole:" "$ok" "$nn"
fi

# ---- augmentation ----
head -c $((1000 * 797)) "$tmp/digits.pgm" > "$tmp/k.pgm"
t=$(best_of_3 "digitaugment -n 10 --seed=1 < $tmp/k.pgm")
printf '%-48s %8s images/s (%.3f s)\n' "digitaugment, 10,000 variants:" \
    "$(rate 10000 "$t")" "$t"

# ---- threads, idle and busy ----
# The tools' default (idle threads sleep: OMP_WAIT_POLICY=passive unless
# set) against libgomp's own (they spin: active), on the machine as it is
# and with every core kept busy by one more process each, as on a shared
# machine.
busy_pids=
busy_start() {
    local i
    for i in $(seq "$(nproc)"); do
        ( while :; do :; done ) &
        busy_pids="$busy_pids $!"
    done
}
busy_stop() {
    [ -n "$busy_pids" ] && kill $busy_pids 2>/dev/null
    wait $busy_pids 2>/dev/null
    busy_pids=
}
trap 'busy_stop; rm -rf "$tmp"' EXIT
threads_line() {
    local what=$1 cmd=$2 t1 tn ta
    t1=$(best_of_3 "$cmd -j1")
    tn=$(best_of_3 "$cmd -j$(nproc)")
    ta=$(best_of_3 "OMP_WAIT_POLICY=active $cmd -j$(nproc)")
    printf '%-48s -j1 %.2f s, -j%d %.2f s (spinning: %.2f s)\n' \
        "$what" "$t1" "$(nproc)" "$tn" "$ta"
}
echo
threads_cmds=("digitclassify < $tmp/digits5.pgm")
threads_names=("digitclassify 50,000 digits")
if [ -n "${DIGIT_DATA:-}" ] && [ -d "$DIGIT_DATA/mnist" ]; then
    threads_cmds+=("digittrain --train=$DIGIT_DATA/mnist/train --validation=50000 --epochs=2 --seed=1 -q -o $tmp/t.model")
    threads_names+=("digittrain 2 epochs of 10,000")
fi
for i in "${!threads_cmds[@]}"; do
    threads_line "${threads_names[$i]}, as found:" "${threads_cmds[$i]}"
    busy_start
    threads_line "${threads_names[$i]}, all cores busy:" "${threads_cmds[$i]}"
    busy_stop
done

# ---- training ----
if [ "${BENCH_TRAIN:-1}" != 0 ] && [ -n "${DIGIT_DATA:-}" ]; then
    m="$DIGIT_DATA/mnist"
    echo
    for recipe in "--hidden=128,128" "" "--augment"; do
        read -r wall rss <<<"$(measure digittrain --train="$m/train" \
            $recipe --epochs=20 --seed=1 -q -o "$tmp/b.model")"
        acc=$(digittrain --evaluate="$tmp/b.model" --test="$m/t10k" \
              | awk -F'\t' '$1 == "accuracy" {print $2}')
        printf '%-48s %7.1f s, %.2f s/epoch, %s MiB, t10k %s\n' \
            "digittrain 20 epochs ${recipe:-784-256-128-10}:" "$wall" \
            "$(calc "$wall / 20")" "$rss" "$acc"
    done
fi
