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

@test "package: every tool takes -h and -V as --help and --version" {
    for t in $TOOLS; do
        run --separate-stderr "$t" -h
        assert_success
        assert_output "$("$t" --help)"
        run --separate-stderr "$t" -V
        assert_success
        assert_output "$("$t" --version)"
    done
}

@test "package: every --help ends with where to report bugs, as configure knows it" {
    bugs=$(sed -n 's/^#define PACKAGE_BUGREPORT "\(.*\)"$/\1/p' \
        "$top_builddir/config.h")
    [ -n "$bugs" ] || fail "AC_INIT has no bug report address"
    for t in $TOOLS; do
        run --separate-stderr "$t" --help
        assert_success
        assert_equal "${lines[-1]}" "Report bugs to: <$bugs>"
    done
}

@test "package: --version is in the GNU form, with the copyright and both licences" {
    for t in $TOOLS; do
        run --separate-stderr "$t" --version
        assert_success
        assert_line --index 1 --regexp '^Copyright \(C\) [0-9]{4} .'
        assert_line --index 2 --partial 'License MIT'
        assert_line --partial 'There is NO WARRANTY, to the extent permitted by law.'
        assert_line --partial 'MNIST (CC BY-SA 3.0)'
    done
}

@test "package: COPYING holds the MIT licence with a copyright line, and the data licence" {
    assert_file_exists "$top_srcdir/COPYING"
    run grep -E '^Copyright \(C\) [0-9]{4} ' "$top_srcdir/COPYING"
    assert_success
    run grep -c -F 'Permission is hereby granted, free of charge' "$top_srcdir/COPYING"
    assert_output 1
    run grep -F 'CC BY-SA 3.0' "$top_srcdir/COPYING"
    assert_success
    run grep -F 'CC BY-SA 3.0' "$top_srcdir/model/README"
    assert_success
}

@test "package: the tarball holds COPYING, the page sources and the .pc template" {
    dd=$BATS_TEST_TMPDIR/dist
    run make -C "$top_builddir" -s distdir distdir="$dd"
    assert_success
    for f in COPYING README model/README digitfilters.pc.in man/libdigit.3 \
             man/digitclassify.1 src/libdigit/digitfilters.h tests/libdigit.bats; do
        assert_file_exists "$dd/$f"
    done
}

@test "package: make install puts the licences and the models' README in place" {
    dest="$BATS_TEST_TMPDIR/dest"
    run make -C "$top_builddir" -s install DESTDIR="$dest"
    assert_success
    assert_file_exists "$dest$(make_var docdir)/COPYING"
    assert_file_exists "$dest$(make_var pkgdatadir)/README"
    run grep -F 'CC BY-SA 3.0' "$dest$(make_var pkgdatadir)/README"
    assert_success
}

@test "package: autoreconf -fi says nothing" {
    need_cmd autoreconf
    need_cmd libtoolize
    src=$BATS_TEST_TMPDIR/src
    mkdir -p "$src/build-aux" "$src/m4"
    cp "$top_srcdir/configure.ac" "$top_srcdir/Makefile.am" \
       "$top_srcdir/digitfilters.pc.in" "$top_srcdir/README" \
       "$top_srcdir/COPYING" "$src/"
    cp "$top_srcdir/build-aux/tap-driver.sh" "$src/build-aux/"
    cd "$src"
    run --separate-stderr autoreconf -fi
    assert_success
    # only the notes of the files it copies, no warning
    others=$(grep -v -E "^(configure\.ac:[0-9]+|Makefile\.am): installing '" \
             <<< "$stderr" || true)
    [ -z "$others" ] || fail "autoreconf: $others"
    run grep -i -E 'warning' <<< "$output"
    assert_failure
}

# policy_of CMD...: the OMP_WAIT_POLICY in the environment of CMD once it
# has started and waits to open its input (a FIFO given as its FILE).
policy_of() {
    local fifo=$BATS_TEST_TMPDIR/fifo pid i env
    rm -f "$fifo"
    mkfifo "$fifo"
    "$@" "$fifo" > /dev/null 2>&1 &
    pid=$!
    for i in $(seq 200); do
        [ "$(cat "/proc/$pid/wchan" 2>/dev/null)" = fifo_open ] && break
        sleep 0.05
    done
    env=$(tr '\0' '\n' < "/proc/$pid/environ" | sed -n 's/^OMP_WAIT_POLICY=//p')
    : > "$fifo"
    wait "$pid" || true
    echo "${env:-unset}"
}

@test "package: tools that run several threads let idle ones sleep (OMP_WAIT_POLICY=passive) unless the user chose" {
    run policy_of digitclassify -j2
    assert_output passive
    OMP_WAIT_POLICY=active run policy_of digitclassify -j2
    assert_output active
    # one thread never spins: nothing to change
    run policy_of digitclassify -j1
    assert_output unset
}

@test "package: the helpers the manual uses are installed and work: digit-idx2pgm, digit-get-mnist, digit-get-emnist" {
    dest="$BATS_TEST_TMPDIR/dest"
    run make -C "$top_builddir" -s install DESTDIR="$dest"
    assert_success
    bindir=$dest$(make_var bindir)
    for h in digit-idx2pgm digit-get-mnist digit-get-emnist; do
        assert_file_executable "$bindir/$h"
        run "$bindir/$h" --help
        assert_success
    done
    # an IDX file of two 28x28 images becomes two PGMs
    perl -e 'print pack("N4", 0x803, 2, 28, 28), map { chr($_ % 256) } 0 .. 1567' \
        > "$BATS_TEST_TMPDIR/two-idx3-ubyte"
    run bash -c "'$bindir/digit-idx2pgm' '$BATS_TEST_TMPDIR/two-idx3-ubyte' | wc -c"
    assert_success
    assert_output $((2 * (13 + 784)))
    # the pages name them, not the source tree's paths
    run grep -l -E '^(scripts/idx2pgm|data/get\\-mnist) ' \
        "$top_srcdir"/man/*.1
    assert_failure
}

# complete_words WORD...: what the installed bash completion offers for
# the command line WORD... (the last word being completed), one line.
complete_words() {
    bash -c 'source "$1"; shift
        COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _digitfilters
        echo "${COMPREPLY[*]}"' complete "$comp" "$@"
}

@test "package: bash completion is installed where bash-completion looks, and completes options and values" {
    dest="$BATS_TEST_TMPDIR/dest"
    run make -C "$top_builddir" -s install DESTDIR="$dest"
    assert_success
    dir=$(make_var bashcompletiondir)
    [[ "$dir" == */bash-completion/completions ]]
    for t in $TOOLS; do
        assert_file_exists "$dest$dir/$t"
    done
    comp=$dest$dir/digitclassify
    # options, from each tool's own --help
    run complete_words digitclassify --for
    assert_output "--format="
    run complete_words pnmdigitprep --box
    assert_output "--boxes="
    run complete_words digittrain --eval
    assert_output "--evaluate="
    # values: as bash splits --opt=value at "=", and with a space
    run complete_words digitclassify --format = t
    assert_output "tsv"
    run complete_words digitclassify -f ""
    assert_output "digits tsv json"
    run complete_words pnmdigitprep --ink = ""
    assert_output "auto dark light"
    # a model is a .model file
    cd "$BATS_TEST_TMPDIR"
    touch a.model b.txt
    run complete_words digitclassify --model = ""
    assert_line --partial a.model
    refute_output --partial b.txt
}
