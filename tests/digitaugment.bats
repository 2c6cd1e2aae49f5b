#!/usr/bin/env bats
# digitaugment: random variants of digit images, reproducible by seed.

bats_require_minimum_version 1.5.0

setup() {
    load test_helper/common
    cd "$BATS_TEST_TMPDIR"
    digit seven > seven.pgm
    digit hbar > hbar.pgm
    digit edge > edge.pgm
}

# digit SHAPE: a 28x28 plain PGM, ink 255 on 0.
#   seven  a rough 7 of 3-px strokes
#   hbar   a horizontal bar through the centre
#   edge   ink in the last three columns only
digit() {
    awk -v shape="$1" 'BEGIN {
        print "P2"; print "28 28"; print "255"
        for (y = 0; y < 28; y++) {
            line = ""
            for (x = 0; x < 28; x++) {
                v = 0
                if (shape == "seven") {
                    if (y >= 6 && y < 9 && x >= 8 && x < 21) v = 255
                    d = 19 - int((y - 9) / 2)
                    if (y >= 9 && y < 23 && x >= d && x < d + 3) v = 255
                } else if (shape == "hbar") {
                    if (y >= 13 && y < 15 && x >= 4 && x < 24) v = 255
                } else if (shape == "edge") {
                    if (y >= 4 && y < 24 && x >= 25) v = 255
                }
                line = line (x ? " " : "") v
            }
            print line
        }
    }'
}

# stats FILE [N]: "cx cy ink sx sy bg" of image N (from 0) of a stream of
# raw 28x28 PGMs: centre of mass, total ink (in 0..1 units), spread along
# x and y, and the number of lit pixels outside the seven's strokes.
stats() {
    local n=${2:-0}
    tail -c +$((n * 797 + 14)) "$1" | head -c 784 | od -An -v -tu1 |
        awk '{ for (i = 1; i <= NF; i++) v[k++] = $i / 255 }
        END {
            for (i = 0; i < 784; i++) {
                x = i % 28; y = int(i / 28)
                s += v[i]; sx += x * v[i]; sy += y * v[i]
            }
            if (s == 0) { print "nan nan 0 0 0 0"; exit }
            cx = sx / s; cy = sy / s
            for (i = 0; i < 784; i++) {
                x = i % 28; y = int(i / 28)
                mx += v[i] * (x - cx) ^ 2; my += v[i] * (y - cy) ^ 2
                if (v[i] > 0 && (y < 5 || y > 23)) bg++
            }
            printf "%.3f %.3f %.2f %.2f %.2f %d\n", cx, cy, s, mx / s, my / s, bg
        }'
}

# count_images FILE: number of raw 28x28 PGMs in FILE, checking each header.
count_images() {
    local size n i
    size=$(wc -c < "$1")
    n=$((size / 797))
    [ $((n * 797)) -eq "$size" ] || { echo "bad size $size"; return 1; }
    for ((i = 0; i < n; i++)); do
        [ "$(tail -c +$((i * 797 + 1)) "$1" | head -c 13)" = "$(printf 'P5\n28 28\n255\n')" ] ||
            { echo "bad header in image $i"; return 1; }
    done
    echo "$n"
}

ALL_OFF="--no-elastic --no-rotate --no-shear --no-shift --no-scale
 --no-contrast --no-brightness --no-thicken --no-thin --no-blur --no-noise"

@test "digitaugment: -n 10 --seed=1 gives 10 valid 28x28 images, the same bytes twice" {
    digitaugment -n 10 --seed=1 < seven.pgm > a.pgm
    digitaugment -n 10 --seed=1 < seven.pgm > b.pgm
    run count_images a.pgm
    assert_output 10
    cmp a.pgm b.pgm
    # The variants differ from one another.
    [ "$(for i in 0 1 2 3 4 5 6 7 8 9; do tail -c +$((i * 797 + 1)) a.pgm | head -c 797 | md5sum; done | sort -u | wc -l)" -eq 10 ]
}

@test "digitaugment: another seed gives other bytes" {
    digitaugment -n 10 --seed=1 seven.pgm > a.pgm
    digitaugment -n 10 --seed=2 seven.pgm > b.pgm
    ! cmp -s a.pgm b.pgm
}

@test "digitaugment: every input image of the stream gets its variants" {
    cat seven.pgm hbar.pgm > two.pgm
    digitaugment -n 3 --include-original --seed=4 two.pgm > out.pgm
    run count_images out.pgm
    assert_output 8
    # The originals come first, unchanged: image 0 and image 4.
    digitaugment -n 0 --include-original seven.pgm > orig.pgm
    cmp <(head -c 797 out.pgm) orig.pgm
    digitaugment -n 0 --include-original hbar.pgm > orig2.pgm
    cmp <(tail -c +$((4 * 797 + 1)) out.pgm | head -c 797) orig2.pgm
}

@test "digitaugment: file operands and - read as one stream" {
    digitaugment -n 2 --seed=3 seven.pgm - hbar.pgm < edge.pgm > out.pgm
    run count_images out.pgm
    assert_output 6
}

@test "digitaugment: a strip of k cells gives strips of k cells" {
    { printf 'P2\n84 28\n255\n'
      paste -d ' ' <(tail -n +4 seven.pgm) <(tail -n +4 hbar.pgm) <(tail -n +4 edge.pgm)
    } > strip.pgm
    # The first cell of the strip is the seven.
    digitaugment -n 0 --include-original strip.pgm > orig.pgm
    [ "$(head -c 13 orig.pgm)" = "$(printf 'P5\n84 28\n255\n')" ]
    digitaugment -n 4 --seed=1 strip.pgm > out.pgm
    [ "$(head -c 13 out.pgm)" = "$(printf 'P5\n84 28\n255\n')" ]
    [ "$(wc -c < out.pgm)" -eq $((4 * (13 + 84 * 28))) ]
}

@test "digitaugment: with every transform off the image is unchanged" {
    digitaugment -n 0 --include-original seven.pgm > orig.pgm
    # shellcheck disable=SC2086
    digitaugment -n 3 $ALL_OFF seven.pgm > out.pgm
    for i in 0 1 2; do
        cmp <(tail -c +$((i * 797 + 1)) out.pgm | head -c 797) orig.pgm
    done
}

@test "digitaugment: a shift moves the centre of mass by the asked amount" {
    digitaugment --only=shift --shift=2,2 seven.pgm > out.pgm
    read -r cx0 cy0 _ < <(stats <(digitaugment -n 0 --include-original seven.pgm))
    read -r cx cy _ < <(stats out.pgm)
    awk -v a="$cx0" -v b="$cy0" -v c="$cx" -v d="$cy" \
        'BEGIN { exit !((c - a - 2) ^ 2 < 1e-4 && (d - b - 2) ^ 2 < 1e-4) }'
    digitaugment --only=shift --shift=-3,-3 seven.pgm > out.pgm
    read -r cx cy _ < <(stats out.pgm)
    awk -v a="$cx0" -v b="$cy0" -v c="$cx" -v d="$cy" \
        'BEGIN { exit !((c - a + 3) ^ 2 < 1e-4 && (d - b + 3) ^ 2 < 1e-4) }'
}

@test "digitaugment: ink shifted out of the image does not wrap around" {
    digitaugment --only=shift --shift=3,3 edge.pgm > out.pgm
    # Nothing is left: no byte of the raster is lit.
    [ "$(tail -c 784 out.pgm | tr -d '\0' | wc -c)" -eq 0 ]
    # Shifted the other way the ink stays.
    digitaugment --only=shift --shift=-3,-3 edge.pgm > out.pgm
    [ "$(tail -c 784 out.pgm | tr -d '\0' | wc -c)" -gt 50 ]
}

@test "digitaugment: rotating by +90 degrees turns a horizontal bar vertical" {
    digitaugment --only=rotate --rotate=90,90 hbar.pgm > out.pgm
    read -r _ _ _ sx0 sy0 _ < <(stats <(digitaugment -n 0 --include-original hbar.pgm))
    read -r _ _ _ sx sy _ < <(stats out.pgm)
    awk -v a="$sx0" -v b="$sy0" -v c="$sx" -v d="$sy" \
        'BEGIN { exit !(a > 10 * b && d > 10 * c) }'
}

@test "digitaugment: thickening adds ink, thinning takes it away" {
    read -r _ _ ink0 _ < <(stats <(digitaugment -n 0 --include-original seven.pgm))
    read -r _ _ thick _ < <(stats <(digitaugment --only=thicken seven.pgm))
    read -r _ _ thin _ < <(stats <(digitaugment --only=thin seven.pgm))
    awk -v a="$ink0" -v b="$thick" -v c="$thin" \
        'BEGIN { exit !(b > 1.5 * a && c < 0.7 * a && c > 0) }'
}

@test "digitaugment: noise lights up the background" {
    read -r _ _ _ _ _ bg < <(stats <(digitaugment --only=noise --seed=5 seven.pgm))
    [ "$bg" -gt 50 ]
    read -r _ _ _ _ _ bg < <(stats <(digitaugment -n 0 --include-original seven.pgm))
    [ "$bg" -eq 0 ]
}

@test "digitaugment: probabilities and ranges are options" {
    # With p 0 for everything but scale at 0.5, the ink shrinks.
    read -r _ _ _ sx0 sy0 _ < <(stats <(digitaugment -n 0 --include-original seven.pgm))
    # shellcheck disable=SC2086
    read -r _ _ _ sx sy _ < <(stats <(digitaugment $ALL_OFF --p-scale=1 --scale=0.5 seven.pgm))
    awk -v a="$sx0" -v c="$sx" 'BEGIN { r = sqrt(c / a); exit !(r > 0.4 && r < 0.6) }'
    # --p-rotate=0 after --only=rotate leaves the image alone.
    digitaugment --only=rotate --p-rotate=0 seven.pgm > out.pgm
    digitaugment -n 0 --include-original seven.pgm > orig.pgm
    cmp out.pgm orig.pgm
}

@test "digitaugment: an image not 28 rows high gives empty cells, the stream goes on" {
    printf 'P2\n32 32\n255\n' > big.pgm
    for i in $(seq 1024); do echo 0; done >> big.pgm
    cat seven.pgm big.pgm seven.pgm > mixed.pgm
    run --separate-stderr -1 digitaugment -n 2 mixed.pgm
    assert_equal "$stderr" "digitaugment: mixed.pgm: image 2: image is 32x32, not a digit image (28 rows high, 28*k wide); make one with pnmdigitprep"
    # Two variants per input: the bad image's two slots are empty cells,
    # and the third image's variants are those it gets on its own.
    digitaugment -n 2 mixed.pgm > out.pgm || true
    run count_images out.pgm
    assert_output 6
    digitaugment -n 2 seven.pgm big.pgm seven.pgm > files.pgm || true
    cmp out.pgm files.pgm
    # (each image is a 13-byte header and 784 bytes)
    { printf 'P5\n28 28\n255\n'; head -c 784 /dev/zero; } > empty.pgm
    cat empty.pgm empty.pgm > two-empty.pgm
    head -c $((4 * 797)) out.pgm | tail -c $((2 * 797)) > slots.pgm
    cmp slots.pgm two-empty.pgm
}

@test "digitaugment: a width that is not a multiple of 28 is refused" {
    printf 'P5\n30 28\n255\n' > odd.pgm
    head -c 840 /dev/zero >> odd.pgm
    run --separate-stderr -1 digitaugment odd.pgm
    [[ "$stderr" == *"odd.pgm: image 1: image is 30x28"* ]]
    digitaugment odd.pgm > out.pgm || true
    { printf 'P5\n28 28\n255\n'; head -c 784 /dev/zero; } > empty.pgm
    cmp out.pgm empty.pgm
}

@test "digitaugment: truncated and garbage input are errors" {
    head -c 300 seven.pgm > short.pgm
    run --separate-stderr -1 digitaugment short.pgm
    [[ "$stderr" == "digitaugment: short.pgm: image 1: "* ]]
    printf 'hello world\n' > junk.pgm
    run --separate-stderr -1 digitaugment junk.pgm
    [[ "$stderr" == "digitaugment: junk.pgm"* ]]
    : > empty.pgm
    run --separate-stderr -1 digitaugment empty.pgm
    [[ "$stderr" == *"empty.pgm"* ]]
    run --separate-stderr -1 digitaugment no-such-file.pgm
    [[ "$stderr" == *"no-such-file.pgm"* ]]
}

@test "digitaugment: a write error is an error" {
    run -1 bash -c 'digitaugment -n 50 seven.pgm > /dev/full'
    assert_output --partial "write error"
}

@test "digitaugment: --help and --version" {
    run -0 digitaugment --help
    assert_output --partial "Usage: digitaugment"
    assert_output --partial "--include-original"
    assert_output --partial "--p-T=P"
    run -0 digitaugment --version
    assert_output --partial "digitaugment (digitfilters)"
}

@test "digitaugment: usage errors exit 2 with a hint" {
    for args in "--bogus" "-n x" "-n -1" "--seed=abc" "--p-rotate=1.5" \
        "--scale=0,1" "--rotate=5,1" "--only=spin" "--blur=9" \
        "--p-thicken=0.8 --p-thin=0.8" "--shift=" "--only=thicken,thin"; do
        # shellcheck disable=SC2086
        run --separate-stderr -2 digitaugment $args seven.pgm
        assert_output ""
        [[ "$stderr" == *"Try 'digitaugment --help'"* ]] || {
            echo "no hint for: $args"; return 1; }
    done
}

@test "digitaugment: quiet in a pipe, progress with --verbose" {
    run --separate-stderr -0 digitaugment -n 5 seven.pgm
    assert_equal "$stderr" ""
    run --separate-stderr -0 digitaugment -n 5 --verbose seven.pgm
    assert_equal "$stderr" "digitaugment: 1 images in, 5 out"
}

@test "digitaugment: a long stream runs in constant memory" {
    skip_under_asan
    need_cmd /usr/bin/time
    # A sanitizer's quarantine grows with the work done, by design.
    if ldd "$(command -v digitaugment)" 2>/dev/null | grep -q libasan; then
        skip "built with AddressSanitizer"
    fi
    for i in $(seq 200); do cat seven.pgm; done > s200.pgm
    for i in $(seq 10); do cat s200.pgm; done > s2000.pgm
    /usr/bin/time -f %M -o small.rss digitaugment -n 20 s200.pgm > /dev/null
    /usr/bin/time -f %M -o large.rss digitaugment -n 20 s2000.pgm > /dev/null
    # Ten times the input, not more memory (within 1 MiB).
    [ "$(cat large.rss)" -lt $(( $(cat small.rss) + 1024 )) ]
}
