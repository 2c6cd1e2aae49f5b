#!/usr/bin/env bats
# libdigit.bats - libdigit as other programs meet it: installed, found by
# pkg-config, its example program built against the installed copy, and
# nothing of the build tree left in what is installed.

bats_require_minimum_version 1.5.0

setup() {
    load test_helper/common
}

# make_var NAME: the value of the build's make variable NAME, expanded.
make_var() {
    printf 'print-var:\n\t@echo $(%s)\n' "$1" |
        make -s --no-print-directory -C "$top_builddir" -f Makefile -f - \
            print-var
}

# install_copy: make install into $dest (DESTDIR); sets prefix, libdir,
# pkgdatadir (as configured, without $dest).
install_copy() {
    dest=$BATS_TEST_TMPDIR/dest
    make -C "$top_builddir" -s install DESTDIR="$dest" >/dev/null 2>&1 ||
        fail "make install failed"
    prefix=$(make_var prefix)
    libdir=$(make_var libdir)
    pkgdatadir=$(make_var pkgdatadir)
}

# example_source: the program of libdigit(3)'s EXAMPLES, as C.
example_source() {
    sed -n '/^\.SS Program source/,/^\.SH/p' "$top_srcdir/man/libdigit.3" |
        sed -n '/^\.EX/,/^\.EE/p' | sed '1d;$d' |
        sed 's/\\-/-/g; s/\\e/\\/g; s/\\(aq/'"'"'/g'
}

@test "libdigit: the example of libdigit(3), built with pkg-config against an installed copy, reads the sample scan" {
    skip_under_asan
    need_cmd pkg-config
    need_cmd cc
    install_copy
    assert_file_exists "$dest$prefix/include/digitfilters.h"
    assert_file_exists "$dest$libdir/pkgconfig/digitfilters.pc"
    example_source > "$BATS_TEST_TMPDIR/readdigits.c"
    run grep -c 'df_read' "$BATS_TEST_TMPDIR/readdigits.c"
    assert_success
    export PKG_CONFIG_PATH="$dest$libdir/pkgconfig"
    flags=$(pkg-config --define-variable=prefix="$dest$prefix" \
        --cflags --libs digitfilters)
    [[ "$flags" == *"-ldigit"* ]]
    run cc -std=c99 -Wall -Wextra -Werror -o "$BATS_TEST_TMPDIR/readdigits" \
        "$BATS_TEST_TMPDIR/readdigits.c" $flags
    assert_success
    # the installed library and the installed model, nothing of the build
    unset DIGIT_MODEL_DIR
    export LD_LIBRARY_PATH="$dest$libdir"
    export DIGIT_MODEL="$dest$pkgdatadir/default.model"
    cd "$top_srcdir"
    run --separate-stderr "$BATS_TEST_TMPDIR/readdigits" \
        data/sample-4071.pgm data/sample-7.pgm
    assert_success
    assert_line --index 0 "data/sample-4071.pgm: 4071"
    assert_line --index 5 "data/sample-7.pgm: 7"
    [ "${#lines[@]}" -eq 7 ]
    # the boxes of 4, 0, 7 and 1 go left to right inside the scan
    run awk '/^  / { split($4, x, "="); print x[2] }' <<< "$output"
    [ "${#lines[@]}" -eq 5 ]
    [ "${lines[0]}" -lt "${lines[1]}" ]
    [ "${lines[1]}" -lt "${lines[2]}" ]
    [ "${lines[2]}" -lt "${lines[3]}" ]
    [ "${lines[3]}" -lt 198 ]
}

@test "libdigit: the example says why it cannot read a file, and exits 1" {
    skip_under_asan
    need_cmd cc
    example_source > "$BATS_TEST_TMPDIR/readdigits.c"
    cc -std=c99 -I"$top_srcdir/src/libdigit" -o "$BATS_TEST_TMPDIR/readdigits" \
        "$BATS_TEST_TMPDIR/readdigits.c" -L"$top_builddir/.libs" -ldigit
    export LD_LIBRARY_PATH="$top_builddir/.libs"
    printf 'P5\n8 8\n255\n' > "$BATS_TEST_TMPDIR/short.pgm"
    head -c 64 /dev/zero >> "$BATS_TEST_TMPDIR/short.pgm"
    run --separate-stderr "$BATS_TEST_TMPDIR/readdigits" \
        "$BATS_TEST_TMPDIR/short.pgm" /nonexistent.pgm
    assert_failure 1
    [[ "$stderr" == *"short.pgm: no ink found"* ]]
    [[ "$stderr" == *"/nonexistent.pgm: not a binary 8-bit PGM"* ]]
    DIGIT_MODEL=/nonexistent/x.model run --separate-stderr \
        "$BATS_TEST_TMPDIR/readdigits" "$BATS_TEST_TMPDIR/short.pgm"
    assert_failure 1
    [[ "$stderr" == "readdigits: cannot load the model"*"/nonexistent/x.model"* ]]
}

@test "libdigit: strings of every installed program and library show no build or source path" {
    skip_under_asan
    install_copy
    files=$(find "$dest" -type f \( -path '*/bin/*' -o -name '*.so*' \))
    n=$(wc -l <<< "$files")
    [ "$n" -ge 5 ] || fail "installed only: $files"
    for f in $files; do
        strings -a "$f" > "$BATS_TEST_TMPDIR/strings"
        # something was read: the file is not empty of text
        grep -q . "$BATS_TEST_TMPDIR/strings" || fail "$f: no strings"
        for dir in "$top_builddir" "$top_srcdir"; do
            if grep -F -- "$dir" "$BATS_TEST_TMPDIR/strings"; then
                fail "$f holds $dir"
            fi
        done
    done
}

@test "libdigit: only the df_ API and the tools' dg_ functions are exported" {
    need_cmd nm
    lib=$(ls "$top_builddir"/.libs/libdigit.so.*.*.* | head -n 1)
    run bash -c "nm -D --defined-only '$lib' | awk '{ print \$3 }'"
    assert_success
    assert_line df_read
    assert_line df_model_load
    run grep -v -E '^(df_|dg_)' <<< "$output"
    assert_output ""
    # the API of the header is exactly what the library gives
    header=$(grep -o -E '\bdf_[a-z_]+\(' "$top_srcdir/src/libdigit/digitfilters.h" |
             tr -d '(' | sort -u)
    for f in $header; do
        nm -D --defined-only "$lib" | grep -q " T $f\$" || fail "$f not exported"
    done
}

# page3_ok PAGE: a section 3 page is clean for groff and has the
# sections of man-pages(7) in their order.
page3_ok() {
    local page=$top_srcdir/man/$1 name=${1%.3}
    run groff -man -ww -z "$page"
    assert_success
    assert_output ""
    run sed -n '/^\.SH NAME/{n;p;q}' "$page"
    assert_output --regexp "^$name(, [a-z_]+)* \\\\- [a-z]"
    run sed -n 's/^\.SH "\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' "$page"
    local got want="NAME LIBRARY SYNOPSIS DESCRIPTION RETURN VALUE ENVIRONMENT FILES"
    got=$(echo "$output" | tr '\n' ' ')
    [[ "$got" == "$want "* ]] || fail "$1: sections $got"
    [[ "$got" == *" EXAMPLES SEE ALSO " ]] || fail "$1: sections $got"
}

@test "libdigit: the section 3 pages are clean and in the order of man-pages(7)" {
    need_cmd groff
    for p in libdigit.3 df_model_load.3 df_read.3 df_error.3; do
        page3_ok "$p"
    done
}

@test "libdigit: every function of digitfilters.h has a manual page" {
    funcs=$(grep -o -E '\bdf_[a-z_]+\(' "$top_srcdir/src/libdigit/digitfilters.h" |
            tr -d '(' | sort -u)
    [ -n "$funcs" ]
    for f in $funcs; do
        assert_file_exists "$top_srcdir/man/$f.3"
        # named in the NAME line of its page or of the page it sources
        page=$top_srcdir/man/$f.3
        if grep -q '^\.so ' "$page"; then
            page=$top_srcdir/man/$(sed -n 's|^\.so man3/||p' "$page")
        fi
        sed -n '/^\.SH NAME/{n;p;q}' "$page" | grep -q -w "$f" ||
            fail "$f is not in the NAME of $page"
    done
}

@test "libdigit: the installed manual pages name the configured paths" {
    install_copy
    mandir=$(make_var mandir)
    for p in man1/digitclassify.1 man5/digitmodel.5 man3/libdigit.3 \
             man3/df_model_load.3 man3/df_read.3; do
        assert_file_exists "$dest$mandir/$p"
    done
    # no placeholder left anywhere, and the data directory as configured
    run grep -l '@[a-z]*dir@' "$dest$mandir"/man*/*
    assert_failure
    run grep -c -F "$pkgdatadir/default.model" "$dest$mandir/man1/digitclassify.1"
    assert_success
    run grep -c -F "$(make_var includedir)/digitfilters.h" "$dest$mandir/man3/libdigit.3"
    assert_success
}

@test "libdigit: no manual page source writes a fixed installation path" {
    run grep -l -E '/usr/(local/)?share/digitfilters' "$top_srcdir"/man/*
    assert_failure
}

@test "libdigit: every manual page carries one and the same date" {
    run bash -c "sed -n 's/^\\.TH [^ ]* [0-9] \\([^ ]*\\) .*/\\1/p' '$top_srcdir'/man/*.[135] | sort -u"
    assert_success
    [ "${#lines[@]}" -eq 1 ] || fail "dates: ${lines[*]}"
    assert_output --regexp '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'
}

@test "pnmdigitprep: --boxes writes where each digit was found, joinable with digitclassify's TSV" {
    cd "$BATS_TEST_TMPDIR"
    run --separate-stderr bash -c "pnmdigitprep --boxes=b.tsv \
        '$top_srcdir/data/sample-4071.pgm' '$top_srcdir/data/sample-7.pgm' |
        digitclassify --format=tsv --no-header"
    assert_success
    run cat b.tsv
    assert_line --index 0 "$(printf 'image\tcell\tx\ty\twidth\theight')"
    [ "${#lines[@]}" -eq 6 ]
    # one row per cell, numbered as digitclassify numbers them
    run cut -f1,2 b.tsv
    assert_output "$(printf 'image\tcell\n1\t1\n1\t2\n1\t3\n1\t4\n2\t1')"
    # the four digits of 4071 lie left to right inside the 198x100 scan,
    # each a plausible digit size
    run awk -F'\t' 'NR > 1 && NR < 6 {
            if ($3 <= last || $3 + $5 > 198 || $4 + $6 > 100 ||
                $5 < 5 || $6 < 30) bad = 1; last = $3 + $5 - 1 }
        END { print bad ? "bad" : "ok" }' b.tsv
    assert_output ok
}

@test "pnmdigitprep: --boxes gives a failed image its row of zeros, and refuses standard output" {
    cd "$BATS_TEST_TMPDIR"
    printf 'P5\n8 8\n255\n' > blank.pgm
    head -c 64 /dev/zero >> blank.pgm
    run --separate-stderr pnmdigitprep --boxes=b.tsv blank.pgm \
        "$top_srcdir/data/sample-7.pgm"
    assert_failure 1
    run cut -f1-6 b.tsv
    assert_line --index 1 "$(printf '1\t1\t0\t0\t0\t0')"
    assert_line --index 2 --regexp "^2	1	[0-9]+	[0-9]+	[1-9][0-9]*	[1-9][0-9]*$"
    run --separate-stderr pnmdigitprep --boxes=- blank.pgm
    assert_failure 2
    [ -z "$output" ]
    run --separate-stderr pnmdigitprep --boxes=/dev/full \
        "$top_srcdir/data/sample-7.pgm"
    assert_failure 1
    [[ "$stderr" == *"/dev/full"* ]]
}
