# fakearchive.sh - small stand-ins for the MNIST files and NIST's EMNIST
# zip, so that data/get-mnist and data/get-emnist can be tested offline
# (through file:// URLs).  Their content is made up here; the checksum
# tables the scripts should check against are written beside them, for
# DIGITFILTERS_TEST_SUMS.  Source this file from a test.

# fake_bytes N SEED: N deterministic pseudo-random bytes on stdout.
fake_bytes() {
    awk -v n="$1" -v seed="$2" 'BEGIN {
        x = seed
        for (i = 0; i < n; i++) {
            x = (x * 1103515245 + 12345) % 2147483648
            printf "%c", 1 + int(x / 65536) % 255
        }
    }'
}

# sum_line FILE NAME [CONTENT-OF-GZIP]: "SIZE SHA256 NAME" of FILE, or of
# its decompressed content when the third argument is given.
sum_line() {
    if [ $# -ge 3 ]; then
        printf '%s %s %s\n' "$(gzip -dc "$1" | wc -c | tr -d ' ')" \
            "$(gzip -dc "$1" | sha256sum | cut -d' ' -f1)" "$2"
    else
        printf '%s %s %s\n' "$(wc -c < "$1" | tr -d ' ')" \
            "$(sha256sum < "$1" | cut -d' ' -f1)" "$2"
    fi
}

# fake_mnist DIR: DIR/mnist/ holds the four MNIST file names with made-up
# gzip content; DIR/mnist.sums is their table (uncompressed size and
# sha256, as get-mnist checks).
fake_mnist() {
    local d=$1 name seed=1
    mkdir -p "$d/mnist"
    : > "$d/mnist.sums"
    for name in train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz \
        t10k-images-idx3-ubyte.gz t10k-labels-idx1-ubyte.gz; do
        fake_bytes $((1000 + 300 * seed)) "$seed" | gzip -9n > "$d/mnist/$name"
        sum_line "$d/mnist/$name" "$name" content >> "$d/mnist.sums"
        seed=$((seed + 1))
    done
}

# make_zip ZIP DIR: zip the content of DIR (paths relative to DIR).
make_zip() {
    local zip=$1 dir=$2
    case $zip in /*) ;; *) zip=$PWD/$zip ;; esac
    if command -v zip >/dev/null 2>&1; then
        (cd "$dir" && zip -qr "$zip" .)
    else
        (cd "$dir" && python3 -m zipfile -c "$zip" ./*)
    fi
}

# fake_emnist DIR: DIR/gzip.zip laid out like NIST's (gzip/emnist-*.gz,
# with the digits split and a letters split that must not be extracted);
# DIR/emnist.sums is the digits files' table (gzip size and sha256).
# DIR/emnist/gzip/ keeps the members for comparison.
fake_emnist() {
    local d=$1 name seed=11
    mkdir -p "$d/emnist/gzip"
    : > "$d/emnist.sums"
    for name in emnist-digits-train-images-idx3-ubyte.gz \
        emnist-digits-train-labels-idx1-ubyte.gz \
        emnist-digits-test-images-idx3-ubyte.gz \
        emnist-digits-test-labels-idx1-ubyte.gz; do
        fake_bytes $((800 + 200 * seed)) "$seed" | gzip -9n > "$d/emnist/gzip/$name"
        sum_line "$d/emnist/gzip/$name" "$name" >> "$d/emnist.sums"
        seed=$((seed + 1))
    done
    fake_bytes 500 99 | gzip -9n > "$d/emnist/gzip/emnist-letters-train-images-idx3-ubyte.gz"
    make_zip "$d/gzip.zip" "$d/emnist"
}

# fake_curl BINDIR MODE: put a "curl" first in PATH that writes part of
# a file to its -o argument and then, by MODE, fails (exit 22) or hangs
# (until killed, so the caller can interrupt the download).  Its process
# id goes to BINDIR/curl.pid.
fake_curl() {
    local bindir=$1 mode=$2
    mkdir -p "$bindir"
    cat > "$bindir/curl" <<EOF
#!/bin/sh
out=
while [ \$# -gt 0 ]; do
    case \$1 in -o) out=\$2; shift ;; esac
    shift
done
printf 'partial download' > "\$out"
echo \$\$ > "$bindir/curl.pid"
case $mode in
    fail) echo "curl: (22) The requested URL returned error: 500" >&2; exit 22 ;;
    hang) exec sleep 60 ;;
esac
EOF
    chmod +x "$bindir/curl"
    PATH=$bindir:$PATH
    export PATH
}

# leftovers DIR: list anything in DIR but the named files (get-*'s
# temporary directories start with a dot).
leftovers() {
    local dir=$1
    shift
    (cd "$dir" && ls -A) | while read -r f; do
        case " $* " in *" $f "*) ;; *) echo "$f" ;; esac
    done
}
