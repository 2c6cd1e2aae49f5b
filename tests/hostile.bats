#!/usr/bin/env bats
# Hostile input and faults (issue 11): where a model is written and how it
# is read, bounded costs, and the tools going on past bad operands.  Each
# test names the finding it guards.  Models are trained in setup_file on
# made-up patterns (test_helper/patterns.pl); no reference data.

bats_require_minimum_version 1.5.0

setup_file() {
    load test_helper/common
    cd "$BATS_FILE_TMPDIR"
    tiny_model 16 1
    perl gen.pl pgm 0 1 2 > s.pgm
}

setup() {
    load test_helper/common
    cd "$BATS_TEST_TMPDIR"
    D=$BATS_FILE_TMPDIR
    M=$D/m.model
    TRAIN=(-q --train="$D/train" --hidden=16 --epochs=1 --seed=3)
}

# same_model A B: the two files hold the same weights.
same_model() {
    assert_equal "$(digitclassify -m "$1" --info | grep weights_crc32)" \
        "$(digitclassify -m "$2" --info | grep weights_crc32)"
}

# ---- finding 1: where -o and --checkpoint write ----

@test "digittrain: -o through a symbolic link replaces its target and keeps the link" {
    ln -s real.model link.model
    digittrain "${TRAIN[@]}" -o link.model
    [ -L link.model ]
    [ -f real.model ] && [ ! -L real.model ]
    same_model real.model "$M"
    ln -s sub/deep.model dangling.model
    mkdir sub
    digittrain "${TRAIN[@]}" -o dangling.model
    [ -L dangling.model ] && [ -f sub/deep.model ]
}

@test "digittrain: -o or --checkpoint naming a FIFO or directory is refused and left alone" {
    mkfifo fifo
    mkdir dir
    run --separate-stderr timeout 60 digittrain "${TRAIN[@]}" -o fifo
    assert_failure 1
    assert_equal "$stderr" "digittrain: fifo: is a FIFO; refusing to replace it with a regular file"
    [ -p fifo ]
    run --separate-stderr timeout 60 digittrain "${TRAIN[@]}" \
        --checkpoint=dir -o x.model
    assert_failure 1
    [[ $stderr == *"dir: is a directory; refusing"* ]]
    [ -d dir ]
    [ ! -e x.model ]
}

@test "digittrain: -o - writes the model to standard output; --checkpoint=- is a usage error" {
    digittrain "${TRAIN[@]}" -o - > out.model
    same_model out.model "$M"
    run --separate-stderr digittrain "${TRAIN[@]}" --checkpoint=- -o x.model
    assert_failure 2
    [[ $stderr == *"--checkpoint needs a file"* ]]
}

# ---- finding 7: modes ----

@test "digittrain: a new model takes 0666 less the umask; a replaced one keeps its mode" {
    (umask 077 && digittrain "${TRAIN[@]}" -o private.model)
    assert_equal "$(stat -c %a private.model)" 600
    (umask 022 && digittrain "${TRAIN[@]}" -o public.model)
    assert_equal "$(stat -c %a public.model)" 644
    chmod 640 public.model
    (umask 000 && digittrain "${TRAIN[@]}" -o public.model)
    assert_equal "$(stat -c %a public.model)" 640
}

# ---- finding 9: stale temporaries, the directory synced ----

@test "digittrain: an old temporary of a killed run is removed, a young one kept" {
    touch -d '3 hours ago' .x.model.dgtmp-abc123
    touch .x.model.dgtmp-young1
    digittrain "${TRAIN[@]}" -o x.model
    [ ! -e .x.model.dgtmp-abc123 ]
    [ -e .x.model.dgtmp-young1 ]
    assert_equal "$(ls -A | grep -c dgtmp)" 1
}

@test "digittrain: the directory is synced after the rename" {
    need_cmd strace
    # (LeakSanitizer, in a sanitized build, cannot run under ptrace.)
    ASAN_OPTIONS=detect_leaks=0 \
        strace -f -o trace -e trace=rename,renameat,renameat2,fsync,openat \
        digittrain "${TRAIN[@]}" -o x.model
    # the last rename, then an fsync of a descriptor opened on "."
    run awk '/rename.*x\.model/ { r = 1 }
             r && /openat\(.*"\.", .*O_DIRECTORY/ { split($0, a, "= "); fd = a[2] }
             r && fd != "" && $0 ~ "fsync\\(" fd "\\)" { ok = 1 }
             END { exit !ok }' trace
    assert_success
}

# ---- findings 5 and 6: reading a model ----

@test "every model path naming a FIFO is refused at once, never waited on" {
    mkfifo fifo
    run --separate-stderr timeout 20 digitclassify -m fifo "$D/s.pgm"
    assert_failure 1
    [[ $stderr == *"fifo: not a regular file"* ]]
    run --separate-stderr env DIGIT_MODEL=fifo timeout 20 digitclassify "$D/s.pgm"
    assert_failure 1
    run --separate-stderr env DIGIT_MODEL=fifo timeout 20 \
        pnmdigitprep --split "$D/s.pgm"
    [ "$status" -ne 124 ]
    run --separate-stderr timeout 20 digittrain --evaluate=fifo \
        --test="$D/train"
    assert_failure 1
    run --separate-stderr timeout 60 digittrain "${TRAIN[@]}" \
        --checkpoint=fifo --resume -o x.model
    assert_failure 1
    [[ $stderr == *"fifo: not a regular file"* ]]
}

@test "digitclassify: a model truncated while a job runs does not kill the job" {
    cp "$M" live.model
    perl "$D/gen.pl" pgm $(for i in $(seq 300); do echo 0 1 2; done) > many.pgm
    # the first part, then the model is emptied, then the rest
    head -c $((797 * 450)) many.pgm > a.pgm
    tail -c +$((797 * 450 + 1)) many.pgm > b.pgm
    run --separate-stderr bash -c '
        { cat a.pgm; sleep 1; : > live.model; sleep 0.5; cat b.pgm; } |
            digitclassify -m live.model'
    assert_success
    assert_equal "${#lines[@]}" 900
    assert_equal "$(printf '%s\n' "$output" | sort | uniq -c | awk '{print $1}' | tr '\n' ' ')" "300 300 300 "
}

# ---- finding 11: messages ----

@test "digitclassify --info escapes control bytes of the metadata and file name" {
    name=$(printf 'm\033[2Jx.model')
    digittrain "${TRAIN[@]}" -o "$name"
    run --separate-stderr digitclassify -m "$name" --info
    assert_success
    [[ $output != *$'\033'* ]]
    assert_line "file=m\\x1b[2Jx.model"
    assert_line --partial 'command=digittrain'
    assert_line --partial "m\\x1b[2Jx.model"
}

@test "digittrain: an IDX set of other than 28x28 images is named with its real size" {
    perl -e 'binmode STDOUT; print pack("N4", 0x803, 2, 16, 16), "\0" x 512' \
        > small-images-idx3-ubyte
    perl -e 'binmode STDOUT; print pack("N2", 0x801, 2), "\0\1"' \
        > small-labels-idx1-ubyte
    run --separate-stderr digittrain -q --train=small -o x.model
    assert_failure 1
    assert_equal "$stderr" "digittrain: small-images-idx3-ubyte: images are not 28x28 (ndim 3, 16x16)"
}

@test "digittrain: a .gz IDX file with trailing garbage is refused as a raw one is" {
    cp "$D/train-labels-idx1-ubyte" t-labels-idx1-ubyte
    gzip -c "$D/train-images-idx3-ubyte" > t-images-idx3-ubyte.gz
    digittrain "${TRAIN[@]/--train=*/--train=t}" -o ok.model
    printf 'garbage' >> t-images-idx3-ubyte.gz
    run --separate-stderr digittrain "${TRAIN[@]/--train=*/--train=t}" -o x.model
    assert_failure 1
    assert_equal "$stderr" "digittrain: t-images-idx3-ubyte.gz: trailing garbage after the gzip data"
    # two gzip members are one valid gzip file
    head -c 4000 "$D/train-images-idx3-ubyte" | gzip -c > t-images-idx3-ubyte.gz
    tail -c +4001 "$D/train-images-idx3-ubyte" | gzip -c >> t-images-idx3-ubyte.gz
    digittrain "${TRAIN[@]/--train=*/--train=t}" -o two.model
    same_model two.model ok.model
}

@test "every tool: a missing FILE among several is named, the rest are read, exit 1" {
    perl "$D/gen.pl" pgm 0 > a.pgm
    run --separate-stderr digitclassify -m "$M" a.pgm nosuch a.pgm
    assert_failure 1
    assert_equal "$output" "$(printf '0\n0')"
    assert_equal "$stderr" "digitclassify: nosuch: No such file or directory"
    pnmdigitprep a.pgm a.pgm > two.pgm
    run --separate-stderr pnmdigitprep a.pgm nosuch a.pgm
    assert_failure 1
    assert_equal "$stderr" "pnmdigitprep: nosuch: No such file or directory"
    pnmdigitprep a.pgm nosuch a.pgm > out.pgm || true
    cmp out.pgm two.pgm
    digitaugment --seed=4 a.pgm a.pgm > two.pgm
    run --separate-stderr digitaugment --seed=4 a.pgm nosuch a.pgm
    assert_failure 1
    digitaugment --seed=4 a.pgm nosuch a.pgm > out.pgm || true
    cmp out.pgm two.pgm
}

@test "every tool: a directory as FILE says Is a directory" {
    mkdir d
    for tool in pnmdigitprep digitclassify digitaugment; do
        run --separate-stderr "$tool" d
        assert_failure 1
        assert_equal "$stderr" "$tool: d: Is a directory"
    done
}

@test "every tool: a PNG, JPEG or GIF as FILE is named and the conversion shown" {
    need_cmd convert
    for fmt in png jpg gif; do
        convert -size 28x28 xc:black "x.$fmt"
    done
    for tool in pnmdigitprep digitclassify digitaugment; do
        run --separate-stderr "$tool" x.png
        assert_failure 1
        assert_equal "$stderr" "$tool: x.png: not a PNM image but PNG data; convert it first: anytopnm x.png | $tool, or convert x.png pgm:- | $tool"
    done
    run --separate-stderr digitclassify -m "$M" x.jpg
    [[ $stderr == *"x.jpg: not a PNM image but JPEG data; convert it first: anytopnm x.jpg |"* ]]
    run --separate-stderr digitclassify -m "$M" - < x.gif
    [[ $stderr == *"(standard input): not a PNM image but GIF data; convert it first: anytopnm FILE |"* ]]
}

# ---- finding 2's second case: many marks stay near-linear ----

@test "pnmdigitprep: --split on a grid of 27,556 marks takes seconds, not minutes" {
    perl -e 'my ($n, $s) = (166, 6); my $w = $n * $s; print "P1\n$w $w\n";
        for my $y (0 .. $w - 1) { print join("", map { ($_ % $s) < 3
            && ($y % $s) < 3 ? 1 : 0 } 0 .. $w - 1), "\n" }' > grid.pbm
    SECONDS=0
    run --separate-stderr timeout 60 pnmdigitprep --split grid.pbm
    [ "$status" -ne 124 ]
    echo "# grid of marks: ${SECONDS}s" >&3
    [ "$SECONDS" -lt 30 ]
}

@test "pnmdigitprep: --split on one ring-shaped mark 4,000 px high takes seconds, not minutes" {
    # One mark, a ring 4,000 px across with a 60-px stroke: the cuts of
    # a wide mark are bounded, so this is near-linear in the ink (it took
    # 52 s when the stroke finder was cubic).
    python3 -c '
import math, sys
n, r0, r1 = 4000, 1940, 2000
out = [b"P4\n%d %d\n" % (n, n)]
for y in range(n):
    bits = bytearray(n)
    dy = abs(y - n / 2 + 0.5)
    if dy < r1:
        a = math.sqrt(r1 * r1 - dy * dy)
        b = math.sqrt(r0 * r0 - dy * dy) if dy < r0 else 0.0
        for x0, x1 in ((n / 2 - a, n / 2 - b), (n / 2 + b, n / 2 + a)):
            lo, hi = max(0, int(x0)), min(n, int(x1) + 1)
            bits[lo:hi] = b"\x01" * max(0, hi - lo)
    row = bytearray(n // 8)
    for i in range(0, n, 8):
        v = 0
        for k in range(8):
            v = v << 1 | bits[i + k]
        row[i >> 3] = v
    out.append(bytes(row))
sys.stdout.buffer.write(b"".join(out))' > ring.pbm
    SECONDS=0
    run --separate-stderr timeout 30 bash -c 'pnmdigitprep --split ring.pbm > out.pgm'
    echo "# ring: ${SECONDS}s" >&3
    [ "$status" -eq 0 ]
    read -r w h < <(pgm_size out.pgm)
    [ "$h" = 28 ] && [ $((w % 28)) = 0 ] && [ "$w" -ge 28 ]
}
