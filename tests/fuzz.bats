#!/usr/bin/env bats
# The fuzz targets of tests/fuzz, run as plain programs: each on its seed
# corpus and on the inputs kept in tests/fuzz/regress (what fuzzing found,
# and hand-made hostile inputs).  `make fuzz` fuzzes them; this keeps them
# building and keeps every kept input passing.

bats_require_minimum_version 1.5.0

setup() {
    load test_helper/common
    cd "$BATS_TEST_TMPDIR"
    F=$top_builddir/tests/fuzz
    mkdir -p seed/pnm seed/strip seed/model seed/idx
    "$F/seeds" seed
}

@test "fuzz: the seeds are valid inputs of the tools" {
    run --separate-stderr digitclassify -m seed/model/mlp.model \
        seed/strip/cell.pgm seed/strip/two.pgm
    assert_success
    assert_equal "${#lines[@]}" 2
    assert_equal "${#lines[1]}" 2
    run --separate-stderr digitclassify -m seed/model/cnn.model --info
    assert_success
    assert_line "shape=784-c3x1-p2-10"
    for f in seed/pnm/*; do
        pnmdigitprep --allow-empty "$f" > /dev/null
    done
}

@test "fuzz: every target runs its seeds and the kept inputs" {
    # (in a sanitized build, libnetpbm's own small leak is not ours)
    export LSAN_OPTIONS=suppressions=$top_srcdir/tests/fuzz/lsan.supp
    for kind in pnm strip model idx; do
        [ -n "$(ls seed/$kind)" ]
        run --separate-stderr "$F/fuzz_$kind" seed/$kind \
            "$top_srcdir/tests/fuzz/regress/$kind"
        assert_success
    done
}
