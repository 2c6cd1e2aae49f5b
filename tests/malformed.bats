#!/usr/bin/env bats
# The malformed-input corpus (issue 11): truncated images, huge
# dimensions, bad maxvals, PAM oddities and garbage, each put in the
# middle of a stream after a good image and given to every tool that
# reads images; damaged models to every tool that loads one; damaged IDX
# files to digittrain.  Each must exit 1 with a message naming the image
# (or file), and what was written for the images before it must be
# complete.  The files are made here, byte by byte.

bats_require_minimum_version 1.5.0

setup_file() {
    load test_helper/common
    cd "$BATS_FILE_TMPDIR"
    tiny_model 16 1
    perl gen.pl pgm 1 > good.pgm
    cases
}

setup() {
    load test_helper/common
    cd "$BATS_TEST_TMPDIR"
    D=$BATS_FILE_TMPDIR
}

# cases: write D/bad/NAME, one malformed image each.
cases() {
    mkdir -p bad
    { printf 'P5\n28 28\n255\n'; head -c 100 /dev/zero; } > bad/truncated-raster
    printf 'P5\n28' > bad/truncated-header
    printf 'P5\n100000 28\n255\n' > bad/side-too-long
    { printf 'P5\n65536 65536\n255\n'; head -c 4096 /dev/zero; } > bad/too-many-pixels
    printf 'P4\n4294967295 1\n\377' > bad/width-overflows
    printf 'P5\n0 28\n255\n' > bad/zero-width
    { printf 'P5\n28 28\n0\n'; head -c 784 /dev/zero; } > bad/maxval-zero
    { printf 'P5\n28 28\n70000\n'; head -c 1568 /dev/zero; } > bad/maxval-too-big
    printf 'P2\n2 1\n15\n0 99\n' > bad/sample-above-maxval
    printf 'P7\nWIDTH 28\nHEIGHT 28\nDEPTH 0\nMAXVAL 255\nENDHDR\n' > bad/pam-depth-zero
    { printf 'P7\nWIDTH 28\nHEIGHT 28\nDEPTH 9\nMAXVAL 255\nENDHDR\n'
      head -c $((784 * 9)) /dev/zero; } > bad/pam-depth-nine
    printf 'P7\nWIDTH 28\nHEIGHT 28\nDEPTH 1\nMAXVAL 255\n' > bad/pam-no-endhdr
    printf 'P7\nWIDTH 28\nHIGHT 28\nDEPTH 1\nMAXVAL 255\nENDHDR\n' > bad/pam-unknown-keyword
    printf 'P9\n28 28\n255\n' > bad/unknown-magic
    head -c 3000 /dev/urandom | tr -d 'P' > bad/garbage
}

# check_tool TOOL ARGS...: for every bad case, the stream good+bad+good
# (good+bad for a truncated one: it runs to the end of the stream, and a
# good image after it would be read as its missing bytes) gives exit 1,
# a message naming image 2, and stdout starting with what the good image
# alone gives.
check_tool() {
    local tool=$1 f name
    shift
    "$tool" "$@" "$D/good.pgm" > alone.out
    [ -s alone.out ]
    for f in "$D"/bad/*; do
        name=${f##*/}
        cat "$D/good.pgm" "$f" > stream.pnm
        [[ $name == truncated-* ]] || cat "$D/good.pgm" >> stream.pnm
        run --separate-stderr bash -c '"$@" > /dev/null' _ \
            timeout 60 "$tool" "$@" stream.pnm
        [ "$status" -eq 1 ] ||
            { echo "$tool, $name: exit $status: $stderr"; return 1; }
        [[ $stderr == "$tool: stream.pnm: image 2: "* ]] ||
            { echo "$tool, $name: message: $stderr"; return 1; }
        timeout 60 "$tool" "$@" stream.pnm > out 2>/dev/null || true
        cmp -n "$(stat -c %s alone.out)" alone.out out ||
            { echo "$tool, $name: the first image's output is not whole"
              return 1; }
    done
}

@test "malformed images: pnmdigitprep exits 1, names the image, keeps what came before" {
    check_tool pnmdigitprep --model="$D/m.model"
}

@test "malformed images: digitclassify exits 1, names the image, keeps what came before" {
    check_tool digitclassify -m "$D/m.model"
    check_tool digitclassify -m "$D/m.model" -f json
}

@test "malformed images: digitaugment exits 1, names the image, keeps what came before" {
    check_tool digitaugment -n 3 --seed=2
}

# ---- models ----

# damaged_models: write bad-NAME.model variants of D/m.model.
damaged_models() {
    local len
    len=$(stat -c %s "$D/m.model")
    head -c $((len - 1)) "$D/m.model" > bad-truncated.model
    head -c 30 "$D/m.model" > bad-header-only.model
    { printf 'XGMODEL\0'; tail -c +9 "$D/m.model"; } > bad-magic.model
    cp "$D/m.model" bad-flipped.model
    printf '\377' | dd of=bad-flipped.model bs=1 seek=$((len / 2)) \
        conv=notrunc 2>/dev/null
    { head -c 12 "$D/m.model"; printf '\377\377\0\0'; tail -c +17 "$D/m.model"; } \
        > bad-layers.model
    : > bad-empty.model
}

@test "malformed models: every tool that loads one exits 1 naming the file and the check" {
    damaged_models
    for m in bad-*.model; do
        run --separate-stderr digitclassify -m "$m" "$D/good.pgm"
        assert_failure 1
        assert_output ""
        [[ $stderr == "digitclassify: cannot load the model: $m: "* ]]
        run --separate-stderr pnmdigitprep --split --model="$m" "$D/good.pgm"
        assert_failure 1
        [[ $stderr == *"$m: "* ]]
        run --separate-stderr digittrain --evaluate="$m" --test="$D/train"
        assert_failure 1
        [[ $stderr == *"$m: "* ]]
    done
}

# ---- IDX files ----

@test "malformed IDX files: digittrain exits 1 naming the file and what is wrong" {
    local img=$D/train-images-idx3-ubyte
    cp "$D/train-labels-idx1-ubyte" t-labels-idx1-ubyte
    check_idx() {
        run --separate-stderr digittrain -q --train=t --hidden=4 --epochs=1 \
            -o x.model
        assert_failure 1
        [[ $stderr == "digittrain: t-images-idx3-ubyte"*": $1"* ]] ||
            { echo "want '$1': $stderr"; return 1; }
        [ ! -e x.model ]
        rm -f t-images-idx3-ubyte t-images-idx3-ubyte.gz
    }
    head -c 1000 "$img" > t-images-idx3-ubyte
    check_idx "truncated IDX data"
    head -c 10 "$img" > t-images-idx3-ubyte
    check_idx "truncated IDX header"
    printf '\0\0\10\3\377\377\377\377\377\377\377\377\377\377\377\377' \
        > t-images-idx3-ubyte
    check_idx "IDX data too large"
    printf '\0\0\13\3' > t-images-idx3-ubyte
    check_idx "IDX data type 0x0b is not unsigned byte"
    { cat "$img"; printf 'x'; } > t-images-idx3-ubyte
    check_idx "trailing data"
    gzip -c "$img" > full.gz
    head -c $(($(stat -c %s full.gz) / 2)) full.gz > t-images-idx3-ubyte.gz
    check_idx "truncated gzip data"
    { gzip -c "$img"; printf 'x'; } > t-images-idx3-ubyte.gz
    check_idx "trailing garbage after the gzip data"
}
