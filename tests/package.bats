#!/usr/bin/env bats
# package.bats - the package as a newcomer meets it: the README's quick
# start, installation, and the shared behaviour of every tool.

bats_require_minimum_version 1.5.0

setup() {
    load test_helper/common
}

TOOLS="pnmdigitprep digitclassify digitaugment digittrain"

# make_var NAME: the value of the build's make variable NAME, expanded.
make_var() {
    printf 'print-var:\n\t@echo $(%s)\n' "$1" |
        make -s --no-print-directory -C "$top_builddir" -f Makefile -f - \
            print-var
}

@test "package: the README's quick start reads the bundled sample as 4071" {
    run --separate-stderr bash -c \
        "pnmdigitprep '$top_srcdir/data/sample-4071.pgm' | digitclassify"
    assert_success
    assert_output "4071"
}

@test "package: the bundled single digit reads as 7" {
    run --separate-stderr bash -c \
        "pnmdigitprep '$top_srcdir/data/sample-7.pgm' | digitclassify"
    assert_success
    assert_output "7"
}

@test "package: the README's quick-start command is the one tested" {
    run grep -F "./pnmdigitprep data/sample-4071.pgm | ./digitclassify" \
        "$top_srcdir/README"
    assert_success
}

@test "package: make install puts tools, pages and models in place" {
    dest="$BATS_TEST_TMPDIR/dest"
    run make -C "$top_builddir" -s install DESTDIR="$dest"
    assert_success
    prefix=$(sed -n 's/^prefix = //p' "$top_builddir/Makefile")
    for t in $TOOLS; do
        assert_file_executable "$dest$prefix/bin/$t"
        assert_file_exists "$dest$prefix/share/man/man1/$t.1"
    done
    assert_file_exists "$dest$prefix/share/man/man5/digitmodel.5"
    assert_file_exists "$dest$prefix/share/digitfilters/default.model"
    assert_file_exists "$dest$prefix/share/digitfilters/mlp-256-128.model"
    # The installed models are the shipped ones, byte for byte.
    cmp "$dest$prefix/share/digitfilters/default.model" \
        "$top_srcdir/model/default.model"
}

@test "package: an installed digitclassify looks for its model in pkgdatadir" {
    dest="$BATS_TEST_TMPDIR/dest"
    make -C "$top_builddir" -s install DESTDIR="$dest"
    prefix=$(sed -n 's/^prefix = //p' "$top_builddir/Makefile")
    installed="$dest$prefix/bin/digitclassify"
    # the installed tools find the installed libdigit there
    libdir=$(make_var libdir)
    export LD_LIBRARY_PATH="$dest$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    if [ -e "$prefix/share/digitfilters/default.model" ]; then
        skip "a default model is installed on this system already"
    fi
    # Without the harness's DIGIT_MODEL_DIR it must not find the source
    # tree's model; the message names where it looked.
    unset DIGIT_MODEL_DIR
    run --separate-stderr "$installed" --info
    assert_failure 1
    [[ "$stderr" == *"$prefix/share/digitfilters/default.model"* ]]
    # Pointed at the installed file, it works.
    DIGIT_MODEL="$dest$prefix/share/digitfilters/default.model" \
        run --separate-stderr "$installed" --info
    assert_success
    assert_line --partial "shape=784-"
}

@test "package: every tool answers --help on stdout and --version" {
    for t in $TOOLS; do
        run --separate-stderr "$t" --help
        assert_success
        assert_output --partial "Usage: $t"
        [ -z "$stderr" ]
        run --separate-stderr "$t" --version
        assert_success
        assert_line --index 0 --regexp "^$t \\(digitfilters\\) [0-9]"
    done
}

@test "package: every tool refuses an unknown option with exit 2 and a hint" {
    for t in $TOOLS; do
        run --separate-stderr "$t" --no-such-option
        assert_failure 2
        [ -z "$output" ]
        [[ "$stderr" == *"Try '$t --help'"* ]]
    done
}

@test "package: every filter refuses an empty input with exit 1" {
    for t in pnmdigitprep digitclassify digitaugment; do
        run --separate-stderr "$t" < /dev/null
        assert_failure 1
        [[ "$stderr" == "$t: "* ]]
    done
}

@test "package: the README's quick start updates apt first and needs no sudo" {
    # a fresh system knows no package lists yet, and a root shell or a
    # container may have no sudo at all
    run grep -E '^ +apt-get update && apt-get install -y ' "$top_srcdir/README"
    assert_success
    run grep -E '^ +sudo ' "$top_srcdir/README"
    assert_failure
    run grep -F 'as root, or with sudo' "$top_srcdir/README"
    assert_success
}

@test "package: the README's package list is the one CI installs" {
    readme=$(grep -E '^ +apt-get update && apt-get install -y ' \
        "$top_srcdir/README" | sed 's/.*install -y //' | tr ' ' '\n' | sort)
    ci=$(sed -n '/^deps="/,/"$/p' "$top_srcdir/.ci/run" |
        sed 's/deps="//; s/"//' | tr -s ' \n' '\n\n' | grep . | sort)
    # everything CI needs is in the README's line
    missing=$(comm -13 <(echo "$readme") <(echo "$ci"))
    [ -z "$missing" ] || fail "README lacks: $missing"
}
