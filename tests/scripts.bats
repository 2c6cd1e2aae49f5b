#!/usr/bin/env bats
# The measuring scripts: scripts/numbers-test (numbers composed from
# labelled IDX sets or digit folders), scripts/compose-numbers,
# scripts/dev-figures and bench/number-stream.  These check what is
# composed and how the commands are run, never how well numbers are read.

bats_require_minimum_version 1.5.0

# A small labelled set drawn here: the digits 0 to 9, then 0 to 9 again
# turned a little, as IDX files (MNIST layout, ink 255 on 0) SIZE pixels
# square: $BATS_FILE_TMPDIR/dSIZE-images-idx3-ubyte(.gz) and labels.
make_idx() {
    local size=$1 prefix=$BATS_FILE_TMPDIR/d$1 i d rot
    for i in 0 1; do
        rot=$((i * 8 - 4))
        for d in 0 1 2 3 4 5 6 7 8 9; do
            draw_digit "$BATS_FILE_TMPDIR/g.pgm" "$d" "$size" "" "$rot"
            convert "$BATS_FILE_TMPDIR/g.pgm" -negate -depth 8 gray:- \
                >> "$prefix.raw"
        done
    done
    perl -e 'binmode STDOUT; print pack("N4", 0x803, 20, $ARGV[0], $ARGV[0])' \
        "$size" > "$prefix-images-idx3-ubyte"
    cat "$prefix.raw" >> "$prefix-images-idx3-ubyte"
    perl -e 'binmode STDOUT; print pack("N2", 0x801, 20), pack("C*", (0 .. 9) x 2)' \
        > "$prefix-labels-idx1-ubyte"
    gzip -c "$prefix-images-idx3-ubyte" > "$prefix-images-idx3-ubyte.gz"
    gzip -c "$prefix-labels-idx1-ubyte" > "$prefix-labels-idx1-ubyte.gz"
}

setup_file() {
    load test_helper/common
    load test_helper/draw.sh
    command -v convert >/dev/null || return 0
    make_idx 28
    make_idx 16
}

setup() {
    load test_helper/common
    load test_helper/draw.sh
    need_cmd convert
    need_cmd pamsplit
    cd "$BATS_TEST_TMPDIR"
    NT="$top_srcdir/scripts/numbers-test"
    I28=(-I "$BATS_FILE_TMPDIR/d28-images-idx3-ubyte.gz"
         -L "$BATS_FILE_TMPDIR/d28-labels-idx1-ubyte.gz")
    I16=(-I "$BATS_FILE_TMPDIR/d16-images-idx3-ubyte"
         -L "$BATS_FILE_TMPDIR/d16-labels-idx1-ubyte")
    # A stand-in for the reading tools: records its arguments, reads
    # nothing back.
    mkdir -p stub
    printf '#!/bin/sh\necho "$*" >> "%s/args.txt"\n' "$PWD" > stub/pnmdigitprep
    cp stub/pnmdigitprep stub/otherprep
    chmod +x stub/pnmdigitprep stub/otherprep
}

# truth_ok FILE N: N lines "GAP NUMBER", GAP one of the default gaps,
# NUMBER 3 to 6 digits.
truth_ok() {
    [ "$(wc -l < "$1")" -eq "$2" ] &&
        awk 'NF != 2 || $1 !~ /^(-3|-1|0|2|4|8|14|24)$/ ||
             $2 !~ /^[0-9][0-9][0-9][0-9]?[0-9]?[0-9]?$/ { bad = 1 }
             END { exit bad }' "$1"
}

# heights FILE: the height of every image of a PNM stream, one a line.
heights() {
    local dir
    dir=$(mktemp -d "$BATS_TEST_TMPDIR/h.XXXXXX")
    pamsplit "$1" "$dir/i%d.pnm" 2>/dev/null
    for f in "$dir"/*; do pgm_size "$f" | awk '{ print $2 }'; done
}

@test "numbers-test: -h prints the usage, with the IDX and command options" {
    run -0 "$NT" -h
    assert_output --partial "Usage: numbers-test"
    assert_output --partial "-I IMAGES"
    assert_output --partial "-r FIRST-LAST"
    assert_output --partial "-p PREP"
    assert_output --partial "pnmdigitprep"
}

@test "numbers-test: usage errors exit 2" {
    run -2 "$NT" -x
    run -2 "$NT"
    assert_output --partial "need a digit directory"
    run -2 "$NT" -r 0-9 nodir
    run -2 "$NT" -I "$BATS_FILE_TMPDIR/d28-images-idx3-ubyte"
    run -2 "$NT" -n 0 "${I28[@]}"
    run -2 "$NT" -g "1 x" "${I28[@]}"
    run -2 "$NT" nodir
    assert_output --partial "nodir/0: no such directory"
}

@test "numbers-test: numbers from a gzip IDX set: every number an image, truth per line" {
    PATH="$PWD/stub:$PATH" run -0 --separate-stderr "$NT" -n 12 -s 5 -c cat \
        -o out "${I28[@]}"
    assert_line --index 0 "0/12 0.0% numbers read whole"
    [ "$(pgm_count out/numbers.pgm)" -eq 12 ]
    truth_ok out/truth.txt 12
    # The per-gap lines add up to the whole.
    echo "$output" | awk '/^  gap/ { split($3, a, "/"); n += a[2] }
                          END { exit n != 12 }'
    # Numbers 36 to 52 px high (+/- 5 %, lifted up to 3) in a 20 px margin.
    heights out/numbers.pgm | awk '$1 < 34 + 40 || $1 > 58 + 40 { exit 1 }'
}

@test "numbers-test: the same seed gives the same numbers, another seed others" {
    PATH="$PWD/stub:$PATH" "$NT" -n 6 -s 3 -c cat -o a "${I28[@]}"
    PATH="$PWD/stub:$PATH" "$NT" -n 6 -s 3 -c cat -o b "${I28[@]}"
    PATH="$PWD/stub:$PATH" "$NT" -n 6 -s 4 -c cat -o c "${I28[@]}"
    cmp a/numbers.pgm b/numbers.pgm
    cmp a/truth.txt b/truth.txt
    ! cmp -s a/numbers.pgm c/numbers.pgm
}

@test "numbers-test: -r takes the digits from that slice only" {
    PATH="$PWD/stub:$PATH" run -0 "$NT" -n 20 -c cat -o out -r 13-15 "${I28[@]}"
    truth_ok out/truth.txt 20
    awk '$2 !~ /^[345]+$/ { exit 1 }' out/truth.txt
    run -1 "$NT" -n 2 -c cat -r 10-20 "${I28[@]}"
    assert_output --partial "20 images"
}

@test "numbers-test: 16x16 sources are enlarged to the numbers' height" {
    PATH="$PWD/stub:$PATH" run -0 "$NT" -n 8 -c cat -o out "${I16[@]}"
    [ "$(pgm_count out/numbers.pgm)" -eq 8 ]
    truth_ok out/truth.txt 8
    heights out/numbers.pgm | awk '$1 < 34 + 40 || $1 > 58 + 40 { exit 1 }'
}

@test "compose-numbers: enlarged digits are smooth, not blocks" {
    # Without noise, a 16x16 source enlarged about 3 times: in a blocky
    # enlargement nearly every pixel equals its neighbour on the right.
    perl "$top_srcdir/scripts/compose-numbers" "${I16[@]}" -n 3 -e 0 \
        -H 48 -V 0 > n.pgm
    pnmtoplainpnm n.pgm | awk 'NR > 3 { for (i = 1; i <= NF; i++) {
            if ($i != 235) { ink++; if ($i == last) same++ }
            last = $i } }
        END { print same, ink; exit !(ink > 0 && same / ink < 0.4) }'
}

@test "numbers-test: plain pnmdigitprep by default, options after -- appended" {
    PATH="$PWD/stub:$PATH" run -0 "$NT" -n 2 -c cat -o out "${I28[@]}" -- --foo -x
    assert_equal "$(cat args.txt)" "--foo -x out/numbers.pgm"
    rm args.txt
    PATH="$PWD/stub:$PATH" run -0 "$NT" -n 2 -c cat -o out -p 'otherprep --bar' \
        "${I28[@]}" -- --baz
    assert_equal "$(cat args.txt)" "--bar --baz out/numbers.pgm"
}

@test "numbers-test: scores what CLASSIFY prints against the truth" {
    PATH="$PWD/stub:$PATH" "$NT" -n 5 -c cat -o out "${I28[@]}"
    awk '{ print $2 }' out/truth.txt > want.txt
    PATH="$PWD/stub:$PATH" run -0 "$NT" -n 5 -c "cat $PWD/want.txt; :" \
        "${I28[@]}"
    assert_line --index 0 "5/5 100.0% numbers read whole"
    PATH="$PWD/stub:$PATH" run -0 "$NT" -n 5 -v -c "sed 1s/^/9/ $PWD/want.txt" \
        "${I28[@]}"
    assert_line --index 0 --regexp "^miss: gap -?[0-9]+: [0-9]+ read 9[0-9]+$"
    assert_line --index 1 "4/5 80.0% numbers read whole"
}

@test "numbers-test: a failing command is an error, not a figure" {
    run -1 "$NT" -n 2 -p no-such-command-here "${I28[@]}"
    assert_output --partial "failed"
}

@test "numbers-test: numbers from a folder of digit images" {
    for d in 0 1 2 3 4 5 6 7 8 9; do
        mkdir -p dig/$d
        draw_digit dig/$d/a.pgm "$d" 48
        draw_digit dig/$d/b.pgm "$d" 48 "" 6
    done
    PATH="$PWD/stub:$PATH" run -0 "$NT" -n 7 -c cat -o out dig
    [ "$(pgm_count out/numbers.pgm)" -eq 7 ]
    truth_ok out/truth.txt 7
}

@test "bench/number-stream: 4 to 6 digits, 64 px high, the same bytes for a seed" {
    "$top_srcdir/bench/number-stream" -n 5 -s 2 -t t1.txt > a.pgm
    "$top_srcdir/bench/number-stream" -n 5 -s 2 -t t2.txt > b.pgm
    cmp a.pgm b.pgm
    cmp t1.txt t2.txt
    [ "$(pgm_count a.pgm)" -eq 5 ]
    awk '$2 !~ /^[0-9][0-9][0-9][0-9][0-9]?[0-9]?$/ { exit 1 }
         END { exit NR != 5 }' t1.txt
    heights a.pgm | awk '$1 < 64 + 32 || $1 > 67 + 32 { exit 1 }'
}

@test "dev-figures: -h names the three development sources" {
    run -0 "$top_srcdir/scripts/dev-figures" -h
    assert_output --partial "6000-7290"
    assert_output --partial "55000-59999"
    assert_output --partial "--seed=2026"
    run -2 "$top_srcdir/scripts/dev-figures" -x
}

@test "numbers-test: numbers from the MNIST and USPS development slices" {
    need_data
    local m=$DIGIT_DATA/mnist u=$DIGIT_DATA/usps-train
    run -0 "$NT" -n 10 -o mn -I "$m/train-images-idx3-ubyte.gz" \
        -L "$m/train-labels-idx1-ubyte.gz" -r 55000-59999
    assert_line --index 0 --regexp "^[0-9]+/10 [0-9.]+% numbers read whole$"
    [ "$(pgm_count mn/numbers.pgm)" -eq 10 ]
    truth_ok mn/truth.txt 10
    run -0 "$NT" -n 10 -o us -I "$u/train-native16x16-images-idx3-ubyte.gz" \
        -L "$u/train-labels-idx1-ubyte.gz" -r 6000-7290
    assert_line --index 0 --regexp "^[0-9]+/10 [0-9.]+% numbers read whole$"
    [ "$(pgm_count us/numbers.pgm)" -eq 10 ]
    truth_ok us/truth.txt 10
}

@test "label-candidates: digits and pairs of a number, into the folders digittrain reads" {
    [ -x "$top_builddir/scripts/label-candidates" ] || skip "not built"
    draw_number a.pgm 407 4
    draw_number b.pgm 52 -2
    cat a.pgm b.pgm > n.pgm
    printf '4 407\n-2 52\n' > truth.txt
    run --separate-stderr "$top_builddir/scripts/label-candidates" \
        -m "$top_srcdir/model/default.model" -r 3 n.pgm truth.txt out
    assert_success
    [[ $stderr == "label-candidates: 2 numbers labelled, 0 not spelled"* ]]
    # each digit of the numbers once, as a 28x28 cell
    for d in 0 2 4 5 7; do
        [ "$(ls out/$d | wc -l)" = 1 ] || fail "digit $d: $(ls out/$d)"
    done
    for d in 1 3 6 8 9; do [ -z "$(ls out/$d)" ]; done
    [ "$(pgm_size out/4/*)" = "28 28" ]
    # and at most 3 a number of candidates holding parts of two
    n=$(ls out/reject | wc -l)
    [ "$n" -ge 1 ] && [ "$n" -le 6 ]
    # files are named after the numbers, so another set adds to them
    cp n.pgm m.pgm
    "$top_builddir/scripts/label-candidates" \
        -m "$top_srcdir/model/default.model" m.pgm truth.txt out 2>/dev/null
    [ "$(ls out/4 | wc -l)" = 2 ]
}

# ---- scripts/render-conditions and scripts/conditions-test ----

RC_CONDS="photo pencil ruled boxed marker fax"

# render_tiny DIR SEED [OPTIONS...]: every condition and kind, 4 images
# each, from digits drawn by data/make-digits (2 of each digit and style).
render_tiny() {
    local dir=$1 seed=$2
    shift 2
    RENDER_COND="$top_builddir/scripts/render-cond" \
        "$top_srcdir/scripts/render-conditions" --drawn=31 --drawn-count=2 \
        -n 4 -s "$seed" "$@" "$dir"
}

# need_render: skip unless the renderer is built and can draw digits.
need_render() {
    [ -x "$top_builddir/scripts/render-cond" ] || skip "render-cond not built"
    need_cmd python3
    need_cmd mogrify
}

@test "render-conditions: --help names the conditions, the sources and the layout" {
    run -0 "$top_srcdir/scripts/render-conditions" --help
    assert_output --partial "Usage: render-conditions"
    for c in $RC_CONDS; do assert_output --partial "  $c "; done
    assert_output --partial "55000-59999"
    assert_output --partial "6000-7290"
    assert_output --partial "--drawn=SEED"
    assert_output --partial "OUTDIR/COND/KIND/labels.txt"
    run -0 "$top_srcdir/scripts/conditions-test" -h
    assert_output --partial "Usage: conditions-test"
    assert_output --partial "--failures=FDIR"
}

@test "render-conditions: usage errors exit 2, a test set is refused" {
    local rc=$top_srcdir/scripts/render-conditions
    export RENDER_COND="$top_builddir/scripts/render-cond"
    run -2 "$rc" out
    assert_output --partial "need a digit source"
    run -2 "$rc" --drawn=1 -c photo,sketch out
    assert_output --partial "unknown condition 'sketch'"
    run -2 "$rc" --drawn=1 -k single,pair out
    run -2 "$rc" --drawn=1 -n 0 out
    run -2 "$rc" --drawn=1
    run -2 "$rc" --bogus --drawn=1 out
    run -1 "$rc" -I /data/t10k-images-idx3-ubyte.gz \
        -L /data/t10k-labels-idx1-ubyte.gz out
    assert_output --partial "never for rendering"
    [ ! -e out ]
}

@test "render-conditions: every condition and kind, its images in order and a label a line" {
    need_render
    render_tiny out 5
    for c in $RC_CONDS; do
        for k in single number; do
            d=out/$c/$k
            case $c in photo|ruled|boxed|marker) ext=ppm magic=P6 ;;
                       pencil) ext=pgm magic=P5 ;; fax) ext=pbm magic=P4 ;;
            esac
            assert_equal "$(ls "$d" | grep -v '\.txt$' | tr '\n' ' ')" \
                "0001.$ext 0002.$ext 0003.$ext 0004.$ext "
            for f in "$d"/*."$ext"; do
                [ "$(head -c 2 "$f")" = "$magic" ] || fail "$f is not $magic"
            done
            [ "$(wc -l < "$d/labels.txt")" -eq 4 ]
            if [ $k = single ]; then
                grep -qvx '[0-9]' "$d/labels.txt" && fail "$d: not one digit a line"
            else
                grep -qvxE '[0-9]{3,6}' "$d/labels.txt" && fail "$d: not 3-6 digits a line"
            fi
        done
    done
    # The photos went through JPEG at qualities 50 to 85.
    awk '$2 < 50 || $2 > 85 { exit 1 } END { exit NR != 4 }' out/photo/single/jpeg.txt
    [ "$(ls out/photo/single | grep -c '\.jpg$')" -eq 0 ]
    # Fax digits are small: a single digit of at most 17 px with its
    # paper (at most 1.5 digit heights and 4 px a side) and skew.
    for f in out/fax/single/*.pbm; do
        [ "$(pgm_size "$f" | awk '{ print $2 }')" -le 85 ] || fail "$f too tall"
    done
    grep -q -- '--drawn=31' out/made-by
}

@test "render-conditions: the same seed gives the same bytes, another seed others" {
    need_render
    render_tiny a 7 -c photo,fax,boxed
    render_tiny b 7 -c photo,fax,boxed
    render_tiny c 8 -c photo,fax,boxed
    diff -r a b
    for f in photo/number/0001.ppm fax/single/0001.pbm boxed/number/labels.txt; do
        ! cmp -s "a/$f" "c/$f" || fail "$f: the same for seeds 7 and 8"
    done
}

@test "render-conditions: --look writes PNGs for a person, -c and -k pick what is drawn" {
    need_render
    render_tiny out 3 -c ruled,marker -k number --look=2
    assert_equal "$(ls out)" "$(printf 'look\nmade-by\nmarker\nruled')"
    assert_equal "$(ls out/ruled)" number
    assert_equal "$(ls out/look | tr '\n' ' ')" \
        "marker-number-0001.png marker-number-0002.png ruled-number-0001.png ruled-number-0002.png "
    [ "$(head -c 4 out/look/ruled-number-0001.png | tail -c 3)" = PNG ]
}

@test "render-cond: draws only the digits of the slice it is given" {
    [ -x "$top_builddir/scripts/render-cond" ] || skip "render-cond not built"
    mkdir out
    run -1 "$top_builddir/scripts/render-cond" -c fax -k number -n 5 \
        "${I28[@]}" -r 13-15 out
    assert_output --partial "lack some digit"
    mkdir one
    # Images 10-19 hold every digit once.
    "$top_builddir/scripts/render-cond" -c boxed -k number -n 20 -s 3 \
        "${I16[@]}" -r 10-19 one
    [ "$(ls one/*.ppm | wc -l)" -eq 20 ]
    run -2 "$top_builddir/scripts/render-cond" -c sketch -k single "${I16[@]}" one
    run -2 "$top_builddir/scripts/render-cond" -c fax -k pair "${I16[@]}" one
    run -1 "$top_builddir/scripts/render-cond" -c fax -k single \
        "${I16[@]}" -r 10-20 one
    assert_output --partial "20 images"
}

# A stand-in PREP for conditions-test that "reads" the images right: for
# each file NNNN.EXT given it prints line NNNN of labels.txt in the
# directory it runs in (with sed applied when SED is set), and aborts
# when it comes to the file named CRASH.
make_reader_stub() {
    mkdir -p stub
    cat > stub/readright <<'STUB'
#!/bin/bash
echo "$*" >> "$ARGS_LOG"
for a in "$@"; do
    case $a in -*) continue ;; esac
    [ "$a" != "${CRASH:-}" ] || exit 134
    sed -n "$((10#${a%%.*}))p" labels.txt
done | sed "${SED:-}"
exit "${PIPESTATUS[0]}"
STUB
    chmod +x stub/readright
}

@test "conditions-test: scores each condition and kind against its labels, keeps the failures" {
    need_render
    render_tiny out 4 -c pencil,boxed
    make_reader_stub
    export ARGS_LOG=$PWD/args.txt
    run -0 "$top_srcdir/scripts/conditions-test" -p "$PWD/stub/readright" \
        -c cat out
    assert_line --index 2 --regexp '^boxed +number +4 +4 +100\.0%$'
    assert_line --index 5 --regexp '^pencil +single +4 +4 +100\.0%$'
    assert_line --index 6 --regexp '^all +- +16 +16 +100\.0%$'
    # The files go to PREP in image order.
    assert_equal "$(sed -n 1p args.txt)" "0001.ppm 0002.ppm 0003.ppm 0004.ppm"
    SED='2s/^/9/' run -0 "$top_srcdir/scripts/conditions-test" \
        -p "$PWD/stub/readright" -c cat --failures=missed --kinds=single out
    assert_line --index 2 --regexp '^boxed +single +4 +3 +75\.0%$'
    assert_line --index 4 --regexp '^all +- +8 +6 +75\.0%$'
    [ "$(wc -l < missed/boxed/single/failures.txt)" -eq 1 ]
    want=$(sed -n 2p out/boxed/single/labels.txt)
    assert_equal "$(cat missed/boxed/single/failures.txt)" "0002.ppm $want 9$want"
    cmp missed/boxed/single/0002.ppm out/boxed/single/0002.ppm
    [ -f missed/pencil/single/0002.png ]
    [ ! -e missed/boxed/number ]
}

@test "conditions-test: options after -- go to PREP; a missing answer is a miss; a failing tool an error" {
    need_render
    render_tiny out 4 -c fax -k single
    make_reader_stub
    export ARGS_LOG=$PWD/args.txt
    run -0 "$top_srcdir/scripts/conditions-test" -p "$PWD/stub/readright" \
        -c cat out -- --threshold=sauvola -x
    assert_equal "$(cat args.txt)" "--threshold=sauvola -x 0001.pbm 0002.pbm 0003.pbm 0004.pbm"
    run -0 --separate-stderr "$top_srcdir/scripts/conditions-test" \
        -p "$PWD/stub/readright" -c 'head -n 3' out
    assert_line --index 2 --regexp '^fax +single +4 +3 +75\.0%$'
    [[ $stderr == *"3 answers for 4 images"* ]]
    run -1 "$top_srcdir/scripts/conditions-test" -p no-such-command-here out
    assert_output --partial "failed"
    # A crash on image 2 loses the rest of the stream, or with --each
    # only that image; either way the exit status is 1.
    CRASH=0002.pbm run -1 --separate-stderr \
        "$top_srcdir/scripts/conditions-test" -p "$PWD/stub/readright" -c cat out
    assert_line --index 2 --regexp '^fax +single +4 +1 +25\.0%$'
    [[ $stderr == *"failed (exit 134)"* ]]
    CRASH=0002.pbm run -1 --separate-stderr \
        "$top_srcdir/scripts/conditions-test" --each -p "$PWD/stub/readright" \
        -c cat out
    assert_line --index 2 --regexp '^fax +single +4 +3 +75\.0%$'
    [[ $stderr == *"failed (exit 134): 0002.pbm"* ]]
    run -2 "$top_srcdir/scripts/conditions-test" no-such-dir
    run -2 "$top_srcdir/scripts/conditions-test"
}

@test "conditions-test: reads a rendering with the build's pnmdigitprep | digitclassify" {
    need_render
    render_tiny out 6 -c photo,marker
    run -0 "$top_srcdir/scripts/conditions-test" -b "$top_builddir" out
    assert_line --index 0 --partial "$top_builddir/pnmdigitprep | $top_builddir/digitclassify"
    for l in "photo +number" "photo +single" "marker +number" "marker +single"; do
        assert_line --regexp "^$l +4 +[0-4] +[0-9.]+%$"
    done
    assert_line --regexp '^all +- +16 +[0-9]+ +[0-9.]+%$'
}
