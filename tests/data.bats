#!/usr/bin/env bats
# data/get-mnist and data/get-emnist, offline against fake archives:
# good archives are installed, bad ones refused with nothing left behind.

bats_require_minimum_version 1.5.0

setup() {
    load test_helper/common
    load test_helper/fakearchive.sh
    need_cmd curl
    cd "$BATS_TEST_TMPDIR"
    GET_MNIST="sh $top_srcdir/data/get-mnist"
    GET_EMNIST="sh $top_srcdir/data/get-emnist"
}

MNIST_FILES="train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz
t10k-images-idx3-ubyte.gz t10k-labels-idx1-ubyte.gz"
EMNIST_FILES="emnist-digits-train-images-idx3-ubyte.gz
emnist-digits-train-labels-idx1-ubyte.gz
emnist-digits-test-images-idx3-ubyte.gz
emnist-digits-test-labels-idx1-ubyte.gz"

# ---- get-mnist ----

@test "get-mnist: a good archive is downloaded, verified and installed" {
    fake_mnist src
    export MNIST_URL="file://$PWD/src/mnist" DIGITFILTERS_TEST_SUMS=$PWD/src/mnist.sums
    run -0 $GET_MNIST out
    assert_output --partial "sha256 verified"
    for f in $MNIST_FILES; do
        cmp "src/mnist/$f" "out/$f"
    done
    run leftovers out $MNIST_FILES
    assert_output ""
}

@test "get-mnist: files already present and correct are kept" {
    fake_mnist src
    export DIGITFILTERS_TEST_SUMS=$PWD/src/mnist.sums
    MNIST_URL="file://$PWD/src/mnist" $GET_MNIST out 2>/dev/null
    # No download is needed: a broken URL does not matter.
    MNIST_URL="file://$PWD/nowhere" run -0 $GET_MNIST out
    assert_output --partial "already present and correct"
}

@test "get-mnist: a corrupt file is refused with a checksum message" {
    fake_mnist src
    # A valid gzip file with other content under the name of the third.
    fake_bytes 2000 77 | gzip -n > src/mnist/t10k-images-idx3-ubyte.gz
    export MNIST_URL="file://$PWD/src/mnist" DIGITFILTERS_TEST_SUMS=$PWD/src/mnist.sums
    run -1 $GET_MNIST out
    assert_output --partial "t10k-images-idx3-ubyte.gz: checksum mismatch"
    assert_output --partial "not installed"
    # The two files verified before it are complete; nothing else is left.
    run leftovers out train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz
    assert_output ""
    assert_file_not_exists out/t10k-images-idx3-ubyte.gz
}

@test "get-mnist: the real checksum table refuses a made-up file" {
    fake_mnist src
    MNIST_URL="file://$PWD/src/mnist" run -1 $GET_MNIST out
    assert_output --partial "checksum mismatch"
    assert_output --partial "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"
    run leftovers out
    assert_output ""
}

@test "get-mnist: a truncated download is refused, nothing left behind" {
    fake_mnist src
    head -c 300 src/mnist/train-images-idx3-ubyte.gz > cut.gz
    mv cut.gz src/mnist/train-images-idx3-ubyte.gz
    export MNIST_URL="file://$PWD/src/mnist" DIGITFILTERS_TEST_SUMS=$PWD/src/mnist.sums
    run -1 $GET_MNIST out
    assert_output --partial "train-images-idx3-ubyte.gz: not a complete gzip file"
    run leftovers out
    assert_output ""
}

@test "get-mnist: a failing download leaves nothing behind" {
    fake_mnist src
    export DIGITFILTERS_TEST_SUMS=$PWD/src/mnist.sums
    MNIST_URL="file://$PWD/nowhere" run -1 $GET_MNIST out
    assert_output --partial "download failed"
    run leftovers out
    assert_output ""
    fake_curl bin fail
    MNIST_URL="file://$PWD/src/mnist" run -1 $GET_MNIST out
    assert_output --partial "download failed"
    run leftovers out
    assert_output ""
}

@test "get-mnist: an interrupted download leaves nothing behind" {
    fake_mnist src
    fake_curl bin hang
    export MNIST_URL="file://$PWD/src/mnist" DIGITFILTERS_TEST_SUMS=$PWD/src/mnist.sums
    mkdir out
    $GET_MNIST out 2>/dev/null &
    pid=$!
    # Wait for the partial file to appear and the downloader to be
    # running (it writes its pid after the file), then stop the script.
    for i in $(seq 300); do
        ls out/.get-mnist.*/* >/dev/null 2>&1 && [ -s bin/curl.pid ] &&
            break
        sleep 0.1
    done
    ls out/.get-mnist.*/*
    kill -TERM "$pid"
    rc=0
    wait "$pid" || rc=$?
    assert_equal "$rc" 143
    run leftovers out
    assert_output ""
    # The downloader was stopped too.
    ! kill -0 "$(cat bin/curl.pid)" 2>/dev/null
}

@test "get-mnist: --help, and usage errors exit 2" {
    run -0 $GET_MNIST --help
    assert_output --partial "Usage: get-mnist [DIR]"
    assert_output --partial "MNIST_URL"
    run -2 $GET_MNIST --bogus
    assert_output --partial "Try 'get-mnist --help'"
    run -2 $GET_MNIST a b
}

@test "get-mnist: the reference copy passes the real checksums" {
    need_data
    [ -d "$DIGIT_DATA/mnist" ] || skip "no mnist in DIGIT_DATA"
    MNIST_URL="file://$DIGIT_DATA/mnist" run -0 $GET_MNIST out
    for f in $MNIST_FILES; do
        [ -s "out/$f" ]
    done
}

# ---- get-emnist ----

@test "get-emnist: extracts just the digit files from a good zip" {
    fake_emnist src
    export EMNIST_URL="file://$PWD/src/gzip.zip" DIGITFILTERS_TEST_SUMS=$PWD/src/emnist.sums
    run -0 $GET_EMNIST out
    assert_output --partial "sha256 verified"
    for f in $EMNIST_FILES; do
        cmp "src/emnist/gzip/$f" "out/$f"
    done
    # Neither the letters split nor the zip is left in out.
    run leftovers out $EMNIST_FILES
    assert_output ""
}

@test "get-emnist: EMNIST_ZIP uses a local zip and keeps it" {
    fake_emnist src
    export EMNIST_ZIP=$PWD/src/gzip.zip DIGITFILTERS_TEST_SUMS=$PWD/src/emnist.sums
    EMNIST_URL="file://$PWD/nowhere" run -0 $GET_EMNIST out
    assert_file_exists src/gzip.zip
    run leftovers out $EMNIST_FILES
    assert_output ""
    # A second run finds them all in place.
    unset EMNIST_ZIP
    EMNIST_URL="file://$PWD/nowhere" run -0 $GET_EMNIST out
    assert_output --partial "already present and correct"
}

@test "get-emnist: a corrupt member is refused, and nothing is installed" {
    fake_emnist src
    fake_bytes 1500 5 | gzip -n > src/emnist/gzip/emnist-digits-test-labels-idx1-ubyte.gz
    rm src/gzip.zip
    make_zip src/gzip.zip src/emnist
    export EMNIST_URL="file://$PWD/src/gzip.zip" DIGITFILTERS_TEST_SUMS=$PWD/src/emnist.sums
    run -1 $GET_EMNIST out
    assert_output --partial "emnist-digits-test-labels-idx1-ubyte.gz: size mismatch"
    run leftovers out
    assert_output ""
    # Same size, other bytes: the sha256 decides.
    fake_emnist src2
    f=emnist-digits-train-labels-idx1-ubyte.gz
    size=$(wc -c < src2/emnist/gzip/$f)
    fake_bytes "$size" 4242 > src2/emnist/gzip/$f
    rm src2/gzip.zip
    make_zip src2/gzip.zip src2/emnist
    EMNIST_URL="file://$PWD/src2/gzip.zip" DIGITFILTERS_TEST_SUMS=$PWD/src2/emnist.sums \
        run -1 $GET_EMNIST out
    assert_output --partial "$f: checksum mismatch"
    run leftovers out
    assert_output ""
}

@test "get-emnist: the official checksums are those of the data README" {
    readme=$top_srcdir/../shared/data/README.md
    [ -f "$readme" ] || skip "no shared/data/README.md beside the source"
    for f in $EMNIST_FILES; do
        want=$(awk -v f="$f" '$1 == f { print $2, $3 }' "$readme")
        [ -n "$want" ]
        have=$(awk -v f="$f" '$3 == f { print $1, $2 }' "$top_srcdir/data/get-emnist")
        assert_equal "$have" "$want"
    done
}

@test "get-emnist: a truncated zip is refused, nothing left behind" {
    fake_emnist src
    head -c 700 src/gzip.zip > cut.zip
    export EMNIST_URL="file://$PWD/cut.zip" DIGITFILTERS_TEST_SUMS=$PWD/src/emnist.sums
    run -1 $GET_EMNIST out
    assert_output --partial "cannot extract"
    run leftovers out
    assert_output ""
}

@test "get-emnist: a zip without the digits split is refused" {
    mkdir -p other/gzip
    echo hello > other/gzip/readme.txt
    make_zip other.zip other
    fake_emnist src
    export EMNIST_URL="file://$PWD/other.zip" DIGITFILTERS_TEST_SUMS=$PWD/src/emnist.sums
    run -1 $GET_EMNIST out
    assert_output --partial "cannot extract gzip/emnist-digits-"
    run leftovers out
    assert_output ""
}

@test "get-emnist: a failing or interrupted download leaves nothing behind" {
    fake_emnist src
    export EMNIST_URL="file://$PWD/src/gzip.zip" DIGITFILTERS_TEST_SUMS=$PWD/src/emnist.sums
    (
        fake_curl bin fail
        run -1 $GET_EMNIST out
        assert_output --partial "download failed"
    )
    run leftovers out
    assert_output ""
    # A hang-up (the terminal closed) and SIGTERM each stop it.  (A
    # background job ignores SIGINT, so SIGTERM stands in for ^C; and a
    # shell cannot trap a signal it was started ignoring, as under nohup,
    # so the hang-up is given back its default first.)
    for sig in HUP:129 TERM:143; do
        rm -rf bin2
        fake_curl bin2 hang
        env --default-signal=HUP $GET_EMNIST out 2>/dev/null &
        pid=$!
        for i in $(seq 300); do
            ls out/.get-emnist.*/gzip.zip >/dev/null 2>&1 &&
                [ -s bin2/curl.pid ] && break
            sleep 0.1
        done
        ls out/.get-emnist.*/gzip.zip
        kill -"${sig%:*}" "$pid"
        rc=0
        wait "$pid" || rc=$?
        assert_equal "$rc" "${sig#*:}"
        run leftovers out
        assert_output ""
        ! kill -0 "$(cat bin2/curl.pid)" 2>/dev/null
    done
}

@test "get-emnist: --help, and usage errors exit 2" {
    run -0 $GET_EMNIST --help
    assert_output --partial "Usage: get-emnist [DIR]"
    assert_output --partial "EMNIST_URL"
    run -2 $GET_EMNIST -x
    assert_output --partial "Try 'get-emnist --help'"
}

# ---- the project's own digits ----

@test "external_digits: 10 folders of valid dark-on-light digit scans" {
    need_cmd pamfile
    for d in 0 1 2 3 4 5 6 7 8 9; do
        n=$(find "$top_srcdir/data/external_digits/$d" -name '*.pgm' | wc -l)
        [ "$n" -ge 60 ] || { echo "only $n images for $d"; return 1; }
    done
    # Every file is a PGM of 28 to 64 pixels a side whose border (paper)
    # is light: the pixel at the top-left corner is above mid-grey.
    run bash -c "pamfile '$top_srcdir'/data/external_digits/*/*.pgm |
        awk '\$2 != \"PGM\" || \$4 < 28 || \$4 > 64 || \$6 < 28 || \$6 > 64' | head"
    assert_output ""
    for f in "$top_srcdir"/data/external_digits/[07]/s00[0-4].pgm \
        "$top_srcdir"/data/sample-4071.pgm "$top_srcdir"/data/sample-7.pgm; do
        corner=$(pnmtoplainpnm "$f" | awk 'NR == 4 { print $1; exit }')
        [ "$corner" -gt 128 ] || { echo "$f: dark corner $corner"; return 1; }
    done
    run du -sk "$top_srcdir/data/external_digits"
    [ "${output%%[[:space:]]*}" -lt 4096 ]
}

@test "make-digits: the same seed draws the same digits" {
    need_cmd python3
    need_cmd pamfile
    convert -version 2>/dev/null | grep -q ImageMagick || skip "no ImageMagick"
    [ -d /usr/share/fonts/opentype/urw-base35 ] || skip "fonts-urw-base35 is not installed"
    python3 "$top_srcdir/data/make-digits" --out=a --count=2 --seed=5
    python3 "$top_srcdir/data/make-digits" --out=b --count=2 --seed=5
    diff -r a b
    [ "$(find a/external_digits -name '*.pgm' | wc -l)" -eq 20 ]
    pamfile a/sample-4071.pgm | grep -q PGM
    python3 "$top_srcdir/data/make-digits" --out=c --count=2 --seed=6
    ! cmp -s a/external_digits/7/s000.pgm c/external_digits/7/s000.pgm
}

@test "make-digits: --styles draws pen digits only, the same for a seed" {
    need_cmd python3
    convert -version 2>/dev/null | grep -q ImageMagick || skip "no ImageMagick"
    python3 "$top_srcdir/data/make-digits" --styles --out=a --count=3 --seed=5
    python3 "$top_srcdir/data/make-digits" --styles --out=b --count=3 --seed=5
    diff -r a b
    [ "$(find a/external_digits -name 's*.pgm' | wc -l)" -eq 30 ]
    [ "$(find a/external_digits -name 'f*.pgm' | wc -l)" -eq 0 ]
    [ ! -e a/sample-4071.pgm ]
    pamfile a/external_digits/1/s002.pgm | grep -q PGM
    python3 "$top_srcdir/data/make-digits" --out=c --count=5 --seed=5
    ! cmp -s a/external_digits/7/s000.pgm c/external_digits/7/s000.pgm
}
