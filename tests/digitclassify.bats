#!/usr/bin/env bats
# digitclassify: digit images in, one line of digits per image out.
#
# Most tests use a small model trained in setup_file on made-up patterns
# (class 0 a horizontal bar, 1 a vertical bar, 2 a diagonal), so that what
# each image must give is known exactly; the default model is tested for
# being found, loaded and checked.  No reference data unless DIGIT_DATA.

bats_require_minimum_version 1.5.0

setup_file() {
    load test_helper/common
    cd "$BATS_FILE_TMPDIR"
    tiny_model 32 4
}

setup() {
    load test_helper/common
    cd "$BATS_TEST_TMPDIR"
    M=$BATS_FILE_TMPDIR/m.model
    DEFAULT=$top_srcdir/model/default.model
}

# gen WORD...: the made-up digit images on standard output.
gen() {
    perl "$BATS_FILE_TMPDIR/gen.pl" pgm "$@"
}

# need_default: the default model of the source tree must be there.
need_default() {
    [ -s "$DEFAULT" ] || skip "model/default.model is not made yet"
}

# ---- the command line ----

@test "digitclassify: --help prints every option on stdout and exits 0" {
    run --separate-stderr digitclassify --help
    assert_success
    assert_equal "$stderr" ""
    assert_line --index 0 --partial "Usage: digitclassify"
    for opt in --model --format --top --min-confidence --no-header --info \
        --threads --help --version; do
        assert_output --partial -- "$opt"
    done
}

@test "digitclassify: --version names the tool and the package" {
    run --separate-stderr digitclassify --version
    assert_success
    assert_line --index 0 --regexp '^digitclassify \(digitfilters\) [0-9]'
}

@test "digitclassify: usage errors exit 2 with a hint and print nothing" {
    local args
    for args in --bogus --format=xml --top=0 --top=11 --top=x \
        --min-confidence=2 --min-confidence=-0.1 --min-confidence=abc \
        --threads=0 "--info x.pgm"; do
        # shellcheck disable=SC2086
        run --separate-stderr digitclassify $args
        assert_equal "$status" 2
        assert_equal "$output" ""
        [[ $stderr == *"Try 'digitclassify --help'"* ]] ||
            fail "no hint for $args: $stderr"
    done
    run --separate-stderr digitclassify --format=xml
    [[ $stderr == *"unknown format 'xml'"* ]]
    run --separate-stderr digitclassify --top=0
    [[ $stderr == *"--top must be between 1 and 10"* ]]
    run --separate-stderr digitclassify --min-confidence=2
    [[ $stderr == *"--min-confidence must be between 0 and 1"* ]]
}

# ---- what it prints ----

@test "digitclassify: one 28x28 image gives one line of one digit" {
    gen 0 > zero.pgm
    run --separate-stderr digitclassify -m "$M" zero.pgm
    assert_success
    assert_equal "$stderr" ""
    assert_equal "${#lines[@]}" 1
    assert_output "0"
}

@test "digitclassify: a 28x84 strip gives its three digits as one word" {
    gen 102 > strip.pgm
    run pgm_size strip.pgm
    assert_output "84 28"
    run --separate-stderr digitclassify -m "$M" < strip.pgm
    assert_success
    assert_output "102"
}

@test "digitclassify: a stream gives one line per image, in order" {
    gen 0 1 2 21 -- 2100 1 > stream.pgm
    run --separate-stderr digitclassify --model="$M" stream.pgm
    assert_success
    assert_equal "$output" "$(printf '0\n1\n2\n21\n  \n2100\n1')"
}

@test "digitclassify: the FILEs and - make one stream" {
    gen 1 > a.pgm
    gen 2 0 > b.pgm
    gen 20 | digitclassify -m "$M" a.pgm - b.pgm > out.txt
    assert_equal "$(cat out.txt)" "$(printf '1\n20\n2\n0')"
    run --separate-stderr digitclassify -m "$M" --format=tsv --no-header \
        a.pgm b.pgm
    assert_success
    # tsv numbers images over the whole stream
    assert_equal "$(cut -f1,2 <<< "$output" | tr '\t\n' ': ')" \
        "1:1 2:1 3:1 "
}

@test "digitclassify: a blank cell prints a space" {
    gen 0-1 - > blank.pgm
    digitclassify -m "$M" blank.pgm > out.txt
    assert_equal "$(od -An -c out.txt | tr -s ' ')" " 0 1 \n \n"
}

@test "digitclassify: --min-confidence=1 prints ? for every digit" {
    gen 0 12 0-2 > s.pgm
    run --separate-stderr digitclassify -m "$M" --min-confidence=1 s.pgm
    assert_success
    assert_equal "$output" "$(printf '?\n??\n? ?')"
    run --separate-stderr digitclassify -m "$M" -c 0.5 s.pgm
    assert_equal "$output" "$(printf '0\n12\n0 2')"
}

@test "digitclassify: --top=3 gives three digit:probability pairs per cell" {
    gen 0 21 > s.pgm
    run --separate-stderr digitclassify -m "$M" --top=3 s.pgm
    assert_success
    assert_line --index 0 --regexp \
        '^0	0:[01]\.[0-9]{4},[0-9]:[01]\.[0-9]{4},[0-9]:[01]\.[0-9]{4}$'
    assert_line --index 1 --regexp '^21	2:[^ ]+ 1:[^ ]+$'
    # most likely first, three different digits
    run awk -F'\t' 'NR == 1 { n = split($2, p, /[,:]/)
        if (n != 6 || p[2] < p[4] || p[4] < p[6] ||
            p[1] == p[3] || p[3] == p[5] || p[1] == p[5]) exit 1 }' \
        <<< "$output"
    assert_success
}

@test "digitclassify: tsv has a header, 14 columns, probabilities summing to 1" {
    gen 0 12 0- > s.pgm
    run --separate-stderr digitclassify -m "$M" --format=tsv s.pgm
    assert_success
    assert_line --index 0 \
        "$(printf 'image\tcell\tdigit\tconfidence\tp0\tp1\tp2\tp3\tp4\tp5\tp6\tp7\tp8\tp9')"
    assert_equal "${#lines[@]}" 6
    run awk -F'\t' 'NR > 1 {
        if (NF != 14) { print "columns", NF; exit 1 }
        s = 0; m = 0
        for (i = 5; i <= 14; i++) { s += $i; if ($i > m) m = $i }
        blank = ($3 == "_")
        if (!blank && (s < 0.999 || s > 1.001)) { print "sum", s; exit 1 }
        if (blank && s != 0) { print "blank", s; exit 1 }
        if ($4 != m) { print "confidence", $4, m; exit 1 }
        if (!blank && $3 != "" && $(5 + $3) != m) { print "argmax"; exit 1 }
        printf "%s:%s:%s ", $1, $2, $3 }' <<< "$output"
    assert_success
    assert_output "1:1:0 2:1:1 2:2:2 3:1:0 3:2:_ "
    run --separate-stderr digitclassify -m "$M" -f tsv --no-header --top=2 \
        s.pgm
    assert_equal "${#lines[@]}" 5
    run awk -F'\t' 'NF != 15 || $15 !~ /^[0-9]:[0-9.]+,[0-9]:[0-9.]+$/ {
        exit 1 }' <<< "$output"
    assert_success
}

@test "digitclassify: json gives one object per line with every cell" {
    gen 0 1-2 > s.pgm
    run --separate-stderr digitclassify -m "$M" --format=json --top=2 s.pgm
    assert_success
    assert_equal "${#lines[@]}" 2
    assert_line --index 0 --regexp '^\{"image":1,"digits":"0","cells":\[\{"digit":0,"confidence":[0-9.]+,"probabilities":\[([0-9.]+,){9}[0-9.]+\],"top":\[\{"digit":0,"p":[0-9.]+\},\{"digit":[1-9],"p":[0-9.]+\}\]\}\]\}$'
    if command -v python3 > /dev/null; then
        run python3 -c '
import json, sys
for line in sys.stdin:
    o = json.loads(line)
    assert len(o["cells"]) == len(o["digits"])
    for c in o["cells"]:
        assert len(c["probabilities"]) == 10 and len(c["top"]) == 2
        s = sum(c["probabilities"])
        assert (c["digit"] is None and s == 0) or abs(s - 1) < 1e-3, s
        assert c["digit"] is None or isinstance(c["digit"], int)
    print(o["image"], repr(o["digits"]))' <<< "$output"
        assert_success
        assert_equal "$output" "$(printf "1 '0'\n2 '1 2'")"
    fi
}

@test "digitclassify: the answer does not depend on --threads" {
    gen 0 1 2 012 210 -0 > s.pgm
    digitclassify -m "$M" -f tsv -j1 s.pgm > one.tsv
    digitclassify -m "$M" -f tsv -j2 s.pgm > two.tsv
    cmp one.tsv two.tsv
}

@test "digitclassify: any Netpbm kind is read (plain PGM, PPM, PAM)" {
    gen 102 > s.pgm
    pnmtoplainpnm s.pgm > plain.pgm
    # the same strip as PPM (grey in colour) and as PAM
    perl -e 'binmode STDIN; binmode STDOUT; local $/; my $d = <STDIN>;
        $d =~ s/\AP5\n84 28\n255\n// or die; print "P6\n84 28\n255\n",
        join "", map { $_ x 3 } split //, $d' < s.pgm > s.ppm
    pamtopam < s.pgm > s.pam
    run --separate-stderr digitclassify -m "$M" plain.pgm s.ppm s.pam
    assert_success
    assert_equal "$output" "$(printf '102\n102\n102')"
}

# ---- bad input ----

@test "digitclassify: a 30x30 image keeps its line as ?, the stream goes on" {
    gen 0 1 > two.pgm
    { printf 'P5\n30 30\n255\n'; head -c 900 /dev/zero; } > big.pgm
    cat two.pgm big.pgm two.pgm > s.pgm
    run --separate-stderr digitclassify -m "$M" < s.pgm
    assert_failure 1
    assert_equal "$output" "$(printf '0\n1\n?\n0\n1')"
    assert_equal "$stderr" "digitclassify: (standard input): image 3: 30x30 is not a digit image (28 rows, a multiple of 28 columns); run it through pnmdigitprep first"
    run --separate-stderr digitclassify -m "$M" two.pgm big.pgm
    assert_failure 1
    [[ $stderr == "digitclassify: big.pgm: image 1: "*pnmdigitprep* ]]
    # tsv: a row of cell 0; json: an object with an error
    run --separate-stderr digitclassify -m "$M" -f tsv --no-header s.pgm
    assert_failure 1
    assert_equal "$(printf '%s\n' "$output" | cut -f1-3 | tr '\t' ' ')" \
        "$(printf '1 1 0\n2 1 1\n3 0 ?\n4 1 0\n5 1 1')"
    run --separate-stderr digitclassify -m "$M" -f json s.pgm
    assert_failure 1
    assert_line --index 2 \
        '{"image":3,"digits":"?","cells":[],"error":"not a digit image"}'
    assert_line --index 3 --partial '{"image":4,"digits":"0",'
}

@test "digitclassify: a width that is not a multiple of 28 is refused" {
    { printf 'P5\n30 28\n255\n'; head -c 840 /dev/zero; } > odd.pgm
    run --separate-stderr digitclassify -m "$M" odd.pgm
    assert_failure 1
    assert_equal "$output" "?"
    [[ $stderr == *"odd.pgm: image 1: 30x28 is not a digit image"* ]]
}

@test "digitclassify: a truncated image is refused, naming its number" {
    gen 0 1 2 > s.pgm
    head -c $((797 * 2 + 400)) s.pgm > cut.pgm
    run --separate-stderr digitclassify -m "$M" cut.pgm
    assert_failure 1
    assert_equal "$output" "$(printf '0\n1')"
    [[ $stderr == "digitclassify: cut.pgm: image 3: "*truncated* ]]
}

@test "digitclassify: garbage is refused as image 1, nothing printed" {
    head -c 2000 /dev/zero | tr '\0' 'x' > garbage
    run --separate-stderr digitclassify -m "$M" garbage
    assert_failure 1
    assert_equal "$output" ""
    [[ $stderr == "digitclassify: garbage: image 1: "* ]]
    gen 0 > s.pgm
    printf 'trailing junk' >> s.pgm
    run --separate-stderr digitclassify -m "$M" s.pgm
    assert_failure 1
    assert_equal "$output" "0"
    [[ $stderr == "digitclassify: s.pgm: image 2: "* ]]
}

@test "digitclassify: a missing FILE is named and the rest are read, exit 1" {
    gen 0 1 > a.pgm
    run --separate-stderr digitclassify -m "$M" a.pgm nosuch.pgm a.pgm
    assert_failure 1
    assert_equal "$output" "$(printf '0\n1\n0\n1')"
    assert_equal "$stderr" \
        "digitclassify: nosuch.pgm: No such file or directory"
}

@test "digitclassify: empty input is an error" {
    run --separate-stderr digitclassify -m "$M" < /dev/null
    assert_failure 1
    assert_equal "$output" ""
    [[ $stderr == *"no image in input"* ]]
}

@test "digitclassify: a failed write is an error" {
    [ -w /dev/full ] || skip "no /dev/full"
    gen 0 1 2 > s.pgm
    run --separate-stderr bash -c 'digitclassify -m "$1" "$2" > /dev/full' \
        _ "$M" s.pgm
    assert_failure 1
    [[ $stderr == *"write error"* ]]
}

# ---- the model ----

@test "digitclassify: a missing model is refused" {
    gen 0 > s.pgm
    run --separate-stderr digitclassify -m nosuch.model s.pgm
    assert_failure 1
    assert_equal "$output" ""
    assert_equal "$stderr" \
        "digitclassify: cannot load the model: nosuch.model: No such file or directory"
    run --separate-stderr digitclassify -m . s.pgm
    assert_failure 1
    assert_equal "$stderr" \
        "digitclassify: cannot load the model: .: Is a directory"
}

@test "digitclassify: damaged models are refused, each with its reason" {
    # a model of one network (the default is a cascade of two: below)
    local src=$M
    [ -s "$top_srcdir/model/mlp-256-128.model" ] &&
        src=$top_srcdir/model/mlp-256-128.model
    local size
    size=$(stat -c %s "$src")
    gen 0 > s.pgm
    # expect FILE TEXT: the model FILE is refused with TEXT
    expect() {
        run --separate-stderr digitclassify -m "$1" s.pgm
        assert_failure 1
        assert_equal "$output" ""
        [[ $stderr == "digitclassify: cannot load the model: $1: $2"* ]] ||
            fail "$1: $stderr"
    }
    head -c $((size - 100)) "$src" > short.model
    expect short.model "truncated: $((size - 100)) bytes, expected $size"
    head -c 12 "$src" > header.model
    expect header.model "truncated: 12 bytes, shorter than the header"
    : > empty.model
    expect empty.model "bad magic"
    { cat "$src"; printf x; } > long.model
    expect long.model "wrong length: $((size + 1)) bytes, expected $size"
    # flip one byte in the middle of the weights
    cp "$src" flip.model
    printf '\x5a' | dd of=flip.model bs=1 seek=$((size / 2)) conv=notrunc \
        status=none
    cmp -s "$src" flip.model && printf '\xa5' |
        dd of=flip.model bs=1 seek=$((size / 2)) conv=notrunc status=none
    expect flip.model "checksum mismatch"
    cp "$src" magic.model
    printf 'X' | dd of=magic.model bs=1 seek=0 conv=notrunc status=none
    expect magic.model "bad magic: not a digitfilters model"
    cp "$src" version.model
    printf '\x07' | dd of=version.model bs=1 seek=8 conv=notrunc status=none
    expect version.model "unsupported format version 7"
    cp "$src" layers.model
    printf '\x63' | dd of=layers.model bs=1 seek=12 conv=notrunc status=none
    expect layers.model "inconsistent sizes: 99 layers"
}

@test "digitclassify: a damaged cascade is refused, naming its network" {
    [ -s "$DEFAULT" ] || skip "no default model"
    local size last
    # the last network of the cascade is the one the damage falls in
    last=$(digitclassify -m "$DEFAULT" --info |
        sed -n 's/^cascade=\([0-9]*\) networks$/\1/p')
    [ -n "$last" ] || skip "the default model is not a cascade"
    size=$(stat -c %s "$DEFAULT")
    gen 0 > s.pgm
    head -c $((size - 100)) "$DEFAULT" > short.model
    run --separate-stderr digitclassify -m short.model s.pgm
    assert_failure 1
    assert_equal "$output" ""
    [[ $stderr == "digitclassify: cannot load the model: short.model: network $last of the cascade: truncated: "* ]] ||
        fail "$stderr"
    { cat "$DEFAULT"; printf x; } > long.model
    run --separate-stderr digitclassify -m long.model s.pgm
    assert_failure 1
    [[ $stderr == *"network $last of the cascade: wrong length: "*"(trailing data)" ]] ||
        fail "$stderr"
}

@test "digitclassify: a model made before cascades reads as it did" {
    # mlp-256-128.model dates from before cascades and convolutions; the
    # probabilities below are what a build of that time (e320452) gave
    # for these cells, to 6 decimals (a last digit may round otherwise
    # on another machine's vector unit)
    local old=$top_srcdir/model/mlp-256-128.model
    [ -s "$old" ] || skip "no mlp-256-128.model"
    perl "$top_srcdir/tests/test_helper/patterns.pl" pgm 0120 2101 > p.pgm
    cat > want.tsv <<'TSV'
image	cell	digit	confidence	p0	p1	p2	p3	p4	p5	p6	p7	p8	p9
1	1	7	0.952030	0.000000	0.000162	0.044767	0.000001	0.002945	0.000001	0.000000	0.952030	0.000094	0.000000
1	2	1	1.000000	0.000000	1.000000	0.000000	0.000000	0.000000	0.000000	0.000000	0.000000	0.000000	0.000000
1	3	1	0.998790	0.000015	0.998790	0.000000	0.000033	0.000048	0.000001	0.000043	0.000004	0.001063	0.000003
1	4	7	0.952030	0.000000	0.000162	0.044767	0.000001	0.002945	0.000001	0.000000	0.952030	0.000094	0.000000
2	1	1	0.998790	0.000015	0.998790	0.000000	0.000033	0.000048	0.000001	0.000043	0.000004	0.001063	0.000003
2	2	1	1.000000	0.000000	1.000000	0.000000	0.000000	0.000000	0.000000	0.000000	0.000000	0.000000	0.000000
2	3	7	0.952030	0.000000	0.000162	0.044767	0.000001	0.002945	0.000001	0.000000	0.952030	0.000094	0.000000
2	4	1	1.000000	0.000000	1.000000	0.000000	0.000000	0.000000	0.000000	0.000000	0.000000	0.000000	0.000000
TSV
    digitclassify --model="$old" -f tsv p.pgm > got.tsv
    run awk -F'\t' 'NR == FNR { w[FNR] = $0; next }
        { split(w[FNR], a, "\t"); if (FNR == 1) { if ($0 != w[1]) bad++; next }
          for (k = 1; k <= 3; k++) if ($k != a[k]) bad++
          for (k = 4; k <= NF; k++) { d = $k - a[k]; if (d > 2e-6 || d < -2e-6) bad++ }
          n++ }
        END { exit !(n == 8 && bad == 0) }' want.tsv got.tsv
    assert_success
}

@test "digitclassify: a model written from the digitmodel(5) layout is used" {
    # A single dense 784 -> 10 softmax layer, all weights 0, the bias of
    # digit BIAS set to 5: every cell is that digit.
    hand_model() {
        perl -MCompress::Zlib -e '
            my ($in, $kind, $res, $bias, $out) = @ARGV;
            my $meta = "architecture=by hand\n";
            my @p = ((0) x ($in * 10), (0) x 10);
            $p[$in * 10 + $bias] = 5;
            my $b = "DGMODEL\0" . pack("V3", 1, 1, length $meta)
                . pack("V8", $kind, 2, $in, 10, $res, 0, 0, 0) . $meta
                . pack("f<*", @p);
            open my $f, ">", $out or die; binmode $f;
            print $f $b, pack("V", crc32($b)); close $f or die' "$@"
    }
    gen 0 12 > s.pgm
    hand_model 784 1 0 7 seven.model
    run --separate-stderr digitclassify -m seven.model s.pgm
    assert_success
    assert_equal "$output" "$(printf '7\n77')"
    run --separate-stderr digitclassify -m seven.model -f tsv --no-header \
        s.pgm
    assert_line --index 0 --regexp '^1	1	7	0\.9'
    run --separate-stderr digitclassify -m seven.model --info
    assert_line "shape=784-10"
    assert_line "parameters=7850"
    assert_line "architecture=by hand"
    hand_model 16 1 0 7 small.model
    run --separate-stderr digitclassify -m small.model s.pgm
    assert_failure 1
    [[ $stderr == *"small.model: not a digit model (takes 16 inputs, gives 10 classes)" ]]
    hand_model 784 9 0 7 kind.model
    run --separate-stderr digitclassify -m kind.model s.pgm
    assert_failure 1
    [[ $stderr == *"kind.model: layer 1: unknown layer kind 9"* ]]
    hand_model 784 1 3 7 reserved.model
    run --separate-stderr digitclassify -m reserved.model s.pgm
    assert_failure 1
    [[ $stderr == *"reserved.model: layer 1: "*"reserved fields not zero"* ]]
}

# reject_model OUT: a hand-made model of 11 classes, a dense 784 -> 11
# softmax layer: digit 7 has a bias of 5, and the eleventh class, "not
# one digit", a weight of 1 from every pixel of the seven leftmost
# columns.  A cell with more than 5 of ink there is not one digit
# (patterns 0 and 2 have 9), any other is a 7 (pattern 1, with p7 =
# e^5 / (e^5 + 10) = 0.93688).
reject_model() {
    perl -MCompress::Zlib -e '
        my $meta = "architecture=by hand\nclasses=11\n";
        my @p = ((0) x (784 * 11), (0) x 11);
        $p[784 * 11 + 7] = 5;
        for my $y (0 .. 27) { $p[($y * 28 + $_) * 11 + 10] = 1 for 0 .. 6 }
        my $b = "DGMODEL\0" . pack("V3", 1, 1, length $meta)
            . pack("V8", 1, 2, 784, 11, 0, 0, 0, 0) . $meta
            . pack("f<*", @p);
        open my $f, ">", $ARGV[0] or die; binmode $f;
        print $f $b, pack("V", crc32($b)); close $f or die' "$1"
}

@test "digitclassify: a cell of the class 'not one digit' prints ?" {
    reject_model eleven.model
    gen 1 0 102 1-2 > s.pgm
    run --separate-stderr digitclassify -m eleven.model s.pgm
    assert_success
    assert_equal "$stderr" ""
    assert_equal "$output" "$(printf '7\n?\n7??\n7 ?')"
    # --min-confidence still applies to the digits
    run --separate-stderr digitclassify -m eleven.model -c 0.95 s.pgm
    assert_equal "$output" "$(printf '?\n?\n???\n? ?')"
    # --top lists digits only, never the eleventh class
    run --separate-stderr digitclassify -m eleven.model --top=2 s.pgm
    assert_line --index 1 --regexp '^\?	7:0\.[0-9]{4},[0-689]:0\.0001$'
    run digitclassify -m eleven.model --info
    assert_line "shape=784-11"
}

@test "digitclassify: tsv and json give the probability of 'not one digit'" {
    reject_model eleven.model
    gen 10- > s.pgm
    run --separate-stderr digitclassify -m eleven.model --format=tsv s.pgm
    assert_success
    assert_line --index 0 \
        "$(printf 'image\tcell\tdigit\tconfidence\tp0\tp1\tp2\tp3\tp4\tp5\tp6\tp7\tp8\tp9\treject')"
    assert_equal "${#lines[@]}" 4
    # confidence is the best digit's; the digits and reject add up to 1
    run awk -F'\t' 'NR > 1 { if (NF != 15) { print "columns", NF; exit 1 }
        s = 0; m = 0
        for (i = 5; i <= 15; i++) s += $i
        for (i = 5; i <= 14; i++) if ($i > m) m = $i
        if ($3 != "_" && (s < 0.999 || s > 1.001)) { print "sum", s; exit 1 }
        if ($4 != m) { print "confidence"; exit 1 }
        printf "%s:%s:%.4f:%.4f ", $2, $3, $12, $15 }' <<< "$output"
    assert_success
    assert_output "1:7:0.9369:0.0063 2:?:0.0180:0.9809 3:_:0.0000:0.0000 "
    run --separate-stderr digitclassify -m eleven.model -f tsv --no-header \
        --top=1 s.pgm
    assert_line --index 1 --regexp '^1	2	\?	([0-9.]+	){12}7:0\.0180$'
    run --separate-stderr digitclassify -m eleven.model --format=json \
        --top=1 s.pgm
    assert_success
    assert_output --regexp '^\{"image":1,"digits":"7\? ","cells":\[\{"digit":7,"confidence":0\.936[0-9]+,"probabilities":\[([0-9.]+,){9}[0-9.]+\],"reject":0\.006[0-9]+,"top":\[\{"digit":7,"p":0\.936[0-9]+\}\]\},\{"digit":null,[^]]*\],"reject":0\.98[0-9]+,'
    # a model of ten classes has neither the column nor the field
    run --separate-stderr digitclassify -m "$M" --format=json s.pgm
    refute_output --partial reject
}

@test "digitclassify: --model and DIGIT_MODEL are honoured, in that order" {
    gen 0 > s.pgm
    run --separate-stderr env DIGIT_MODEL="$M" digitclassify s.pgm
    assert_success
    assert_output "0"
    run --separate-stderr env DIGIT_MODEL=nosuch.model digitclassify s.pgm
    assert_failure 1
    [[ $stderr == *"nosuch.model: No such file"* ]]
    run --separate-stderr env DIGIT_MODEL=nosuch.model digitclassify \
        --model="$M" s.pgm
    assert_success
    assert_output "0"
    run --separate-stderr env DIGIT_MODEL="$M" digitclassify --info
    assert_line --index 0 "file=$M"
}

@test "digitclassify: --info shows the shape, a weights checksum and metadata" {
    run --separate-stderr digitclassify -m "$M" --info
    assert_success
    assert_line --index 0 "file=$M"
    assert_line --index 1 "shape=784-32-10"
    assert_line --index 2 "parameters=$((784 * 32 + 32 + 32 * 10 + 10))"
    assert_line --index 3 --regexp '^weights_crc32=[0-9a-f]{8}$'
    assert_line "seed=3"
    assert_line "epochs=4"
    assert_line "train_size=300"
}

@test "digitclassify: the default model is found from the build tree" {
    need_default
    run --separate-stderr digitclassify --info
    assert_success
    assert_line --index 0 --regexp '^file=.*/model/default\.model$'
    local f=${lines[0]#file=}
    assert_equal "$(realpath "$f")" "$(realpath "$DEFAULT")"
    # ten digits, and the class "not one digit" that reading numbers uses
    assert_line --regexp '^shape=784-([0-9]+-)*11$'
    assert_line --regexp '^validation_accuracy=[0-9.]+%$'
    # made-up patterns, not handwriting: a digit or "not one digit" each
    gen 0 12 > s.pgm
    run --separate-stderr digitclassify s.pgm
    assert_success
    assert_line --index 0 --regexp '^[0-9?]$'
    assert_line --index 1 --regexp '^[0-9?]{2}$'
}

@test "digitclassify: the sample scan reads 4071" {
    need_default
    [ -s "$top_srcdir/data/sample-4071.pgm" ] || skip "no sample yet"
    run --separate-stderr bash -c \
        'pnmdigitprep --split "$1" | digitclassify' _ \
        "$top_srcdir/data/sample-4071.pgm"
    assert_success
    assert_output "4071"
}

# ---- scale: GNU parallel, as the manual page shows ----

@test "digitclassify: GNU parallel over files keeps the order" {
    need_cmd parallel
    local i words=()
    for i in $(seq 1 12); do words+=("$((i % 3))$(((i * 7) % 3))"); done
    mkdir parts
    for i in "${!words[@]}"; do
        gen "${words[i]}" > "parts/$(printf %03d "$i").pgm"
    done
    ls parts/*.pgm | DIGIT_MODEL=$M parallel -k -X -j2 digitclassify -j1 \
        > par.txt
    assert_equal "$(cat par.txt)" "$(printf '%s\n' "${words[@]}")"
}

@test "digitclassify: GNU parallel --pipe splits a plain PGM stream" {
    need_cmd parallel
    local i words=()
    for i in $(seq 1 30); do words+=("$((i % 3))$(((i * 5) % 3))-"); done
    gen "${words[@]}" > big.pgm
    pnmtoplainpnm big.pgm |
        DIGIT_MODEL=$M parallel --pipe -k --recend '\n' --recstart P2 \
            --block 60k digitclassify -j1 -f tsv --no-header > par.tsv
    # every cell answered, in order
    assert_equal "$(wc -l < par.tsv)" 90
    assert_equal "$(cut -f3 par.tsv | tr -d '\n')" \
        "$(printf '%s' "${words[@]}" | tr - _)"
    # and the stream was really cut: each job numbers its images from 1
    run awk -F'\t' '$1 == 1 && $2 == 1 { n++ } END { print n }' par.tsv
    (( output >= 2 )) || fail "one job only ($output)"
}

# ---- accuracy on MNIST (reference data, when available) ----

@test "digitclassify: the default model reaches 98.0 % on MNIST t10k" {
    need_data
    need_default
    local d=$DIGIT_DATA/mnist
    perl "$top_srcdir/scripts/idx2pgm" "$d/t10k-images-idx3-ubyte.gz" \
        "$d/t10k-labels-idx1-ubyte.gz" labels.txt > t10k.pgm
    digitclassify t10k.pgm > answers.txt
    run paste -d' ' answers.txt labels.txt
    run awk '{ n++; ok += $1 == $2 }
        END { printf "%d %d %.2f\n", n, ok, 100 * ok / n }' <<< "$output"
    read -r n ok pct <<< "$output"
    echo "# accuracy on MNIST t10k: $pct % ($ok of $n)" >&3
    assert_equal "$n" 10000
    awk -v p="$pct" 'BEGIN { exit !(p >= 98.0) }'
}

@test "digitclassify: json's digit is one type, a number, in cells and in top" {
    gen 3 0-1 - > s.pgm
    run --separate-stderr digitclassify -m "$M" --format=json --top=2 s.pgm
    assert_success
    need_cmd python3
    run python3 -c '
import json, sys
for line in sys.stdin:
    o = json.loads(line)
    for c, ch in zip(o["cells"], o["digits"]):
        if ch == " ":
            assert c["digit"] is None, c
        else:
            assert c["digit"] == int(ch), c
        for t in c["top"]:
            assert isinstance(t["digit"], int), t
        print(o["image"], "d" if c["digit"] is not None else None, end=" ")' <<< "$output"
    assert_success
    assert_output "1 d 2 d 2 None 2 d 3 None "
}

@test "digitclassify: tsv writes a blank cell as _, and columns stay aligned" {
    gen 0-1 - > blank.pgm
    run --separate-stderr digitclassify -m "$M" --format=tsv --no-header blank.pgm
    assert_success
    run cut -f3 <<< "$output"
    assert_output "$(printf '0\n_\n1\n_')"
    # every row has every field, none empty or white
    run digitclassify -m "$M" --format=tsv blank.pgm
    run awk -F'\t' '{ for (i = 1; i <= NF; i++) if ($i !~ /[^ ]/) bad++;
                      n[NF]++ } END { print bad + 0, length(n) }' <<< "$output"
    assert_output "0 1"
}

@test "digitclassify: warns once of digit images with a white border (dark ink on white)" {
    need_cmd pnminvert
    pnmdigitprep "$top_srcdir/data/sample-7.pgm" > seven.pgm
    pnminvert seven.pgm > inverted.pgm
    run --separate-stderr digitclassify seven.pgm
    assert_success
    assert_output 7
    [ -z "$stderr" ]
    run --separate-stderr digitclassify seven.pgm inverted.pgm inverted.pgm
    # still an answer per image, and not an error
    assert_success
    assert_equal "${#lines[@]}" 3
    [[ "${stderr_lines[0]}" == "digitclassify: warning: inverted.pgm: image 1: the border is white"*"pnmdigitprep"* ]]
    assert_equal "${stderr_lines[1]}" "digitclassify: warning: 2 images in all had a white border"
    assert_equal "${#stderr_lines[@]}" 2
}

@test "digitclassify: MNIST's digits raise no polarity warning" {
    need_data
    "$top_srcdir/scripts/idx2pgm" "$DIGIT_DATA/mnist/t10k-images-idx3-ubyte.gz" |
        head -c $((2000 * 797)) > t.pgm
    run --separate-stderr digitclassify t.pgm
    assert_success
    assert_equal "${#lines[@]}" 2000
    [ -z "$stderr" ]
}
