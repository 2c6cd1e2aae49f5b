#!/usr/bin/env bats
# examples.bats - the EXAMPLES of the manual pages run, as written, on
# files made here, so the pages cannot go stale.  (pnmdigitprep(1)'s are
# run by pnmdigitprep.bats, libdigit(3)'s program by libdigit.bats.)

bats_require_minimum_version 1.5.0

setup() {
    load test_helper/common
    load test_helper/draw.sh
    cd "$BATS_TEST_TMPDIR"
}

# example_blocks PAGE: write each example (.EX ... .EE) of PAGE's
# EXAMPLES section, as a shell reads it, to ex.1, ex.2, ...; print how
# many.
example_blocks() {
    sed -n '/^\.SH EXAMPLES/,/^\.SH /p' "$top_srcdir/man/$1" |
        sed 's/\\-/-/g; s/\\e/\\/g; s/\\(aq/'"'"'/g; s/\\f[BIRP]//g' |
        awk '/^\.EX/ { n++; on = 1; next } /^\.EE/ { on = 0; next }
             on { print > ("ex." n) } END { print n + 0 }'
}

# run_examples PAGE MIN: run every example of PAGE (bash, -e, pipefail);
# each must succeed; there must be MIN at least.  Example N's output is
# left in out.N.
run_examples() {
    local n ex
    n=$(example_blocks "$1")
    [ "$n" -ge "$2" ] || fail "$1: $n examples, want $2"
    # (not "i": bats's run uses that name)
    for ex in $(seq "$n"); do
        echo "example $ex of $1:"
        cat "ex.$ex"
        run --separate-stderr bash -e -o pipefail "ex.$ex"
        [ "$status" -eq 0 ] || fail "example $ex of $1 failed: $stderr"
        printf '%s\n' "$output" > "out.$ex"
    done
}

@test "examples: digitclassify(1)'s examples run" {
    need_cmd convert
    need_cmd anytopnm
    need_cmd parallel
    need_cmd pnmtoplainpnm
    draw_number n.pgm 4071 8
    convert n.pgm form.png
    draw_digit d3.pgm 3
    draw_digit d5.pgm 5
    convert d3.pgm a.jpg
    convert d5.pgm b.jpg
    pnmdigitprep d3.pgm n.pgm d5.pgm > digits.pgm
    cp "$top_srcdir/model/default.model" reject.model
    cp "$top_srcdir/model/default.model" my.model
    perl "$top_srcdir/tests/test_helper/patterns.pl" idx t10k 30 1
    gzip t10k-images-idx3-ubyte t10k-labels-idx1-ubyte
    mkdir digits
    pnmdigitprep d3.pgm > digits/a.pgm
    pnmdigitprep n.pgm > digits/b.pgm
    for i in 1 2 3 4 5 6; do cat digits.pgm; done > big.pgm
    run_examples digitclassify.1 8
    assert_equal "$(cat out.1)" 4071
    assert_equal "$(head -n 1 out.2 | cut -f1-4)" \
        "$(printf 'image\tcell\tdigit\tconfidence')"
    assert_equal "$(wc -l < out.2)" 3
    assert_equal "$(head -n 1 out.3)" "$(printf 'image\tcell\tdigit\tconfidence\treject')"
    assert_equal "$(wc -l < out.4)" 3
    grep -q '^shape=784-' out.5
    grep -q -E '^[01](\.[0-9]+)?$' out.6
    assert_equal "$(cat out.7)" "$(printf '3\n4071')"
    assert_equal "$(wc -l < out.8)" 18
}

@test "examples: digitaugment(1)'s examples run" {
    need_cmd parallel
    need_cmd pnmsplit
    ln -s "$top_srcdir/data" data
    mkdir digits
    pnmdigitprep data/sample-7.pgm > digits/seven.pgm
    pnmdigitprep data/sample-4071.pgm > digits/number.pgm
    run_examples digitaugment.1 3
    n7=$(ls data/external_digits/7/*.pgm | wc -l)
    assert_equal "$(digitclassify sevens.pgm | wc -l)" $((n7 * 10))
    for i in 0 1 2 3 4 5 6 7; do
        assert_file_exists "variant$i.pgm"
    done
    assert_equal "$(digitclassify more.pgm | wc -l)" 40
}

@test "examples: digitmodel(5)'s examples run" {
    cp "$top_srcdir/model/default.model" my.model
    cp "$top_srcdir/model/mlp-256-128.model" fast.model
    cp "$top_srcdir/model/mlp-256-128.model" strong.model
    run_examples digitmodel.5 4
    grep -q '^shape=784-' out.1
    # the magic, then version and sizes, then the metadata block
    grep -q 'D   G   M   O   D' out.2
    grep -q '^seed=' out.3
    digitclassify --model=both.model --info > info
    grep -qx 'cascade=2 networks' info
    grep -qx 'network2_cascade_below=0.99' info
}

@test "examples: digittrain(1)'s examples run" {
    need_cmd pnmtopng
    need_cmd convert
    gen=$top_srcdir/tests/test_helper/patterns.pl
    # Offline, digit-get-mnist is replaced by a stand-in that writes
    # made-up digits under MNIST's names (data.bats tests the real one).
    mkdir bin
    cat > bin/digit-get-mnist <<STUB
#!/bin/sh
mkdir -p "\$1" && cd "\$1" &&
perl '$gen' idx train 5200 1 && perl '$gen' idx t10k 300 2 && gzip -f *ubyte
STUB
    chmod +x bin/digit-get-mnist
    PATH=$PWD/bin:$PATH
    perl "$gen" idx emnist-digits-train 600 3 t
    perl "$gen" idx emnist-digits-test 90 4 t
    for d in 0 1 2; do
        mkdir -p "mine/$d"
        draw_digit "mine/$d/a.pgm" "$d"
    done
    draw_digit scan.pnm 1
    ln -s "$top_srcdir/model" model
    run_examples digittrain.1 7
    for m in my.model reject.model small.model cnn.model; do
        run digitclassify --model="$m" --info
        assert_success
    done
    run digitclassify --model=reject.model --info
    assert_line --regexp '^shape=784-.*-11$'
    run digitclassify --model=cnn.model --info
    assert_line --partial 'conv'
    assert_file_exists run.ckpt
    [ -s wrong.png ]
}
