#!/bin/sh
# Builds the root file system of the stand-in PostgreSQL test image (nothing can be pulled here) from the
# host's own PostgreSQL server (Debian's postgresql package): the server binaries, their modules and
# shared data, every shared library they need (found with ldd) with the dynamic loader, the time zone
# data, Debian's static busybox for the entrypoint script, and a passwd naming the postgres user.
# Usage: rootfs.sh PG_MAJOR DEST   (DEST is created; run by `make test-postgres-image`)
set -eu
major=$1
dest=$2
bin=/usr/lib/postgresql/$major/bin
here=$(dirname "$0")
[ -x "$bin/postgres" ] || { echo "no PostgreSQL $major server in $bin: install Debian's postgresql-$major" >&2; exit 1; }
rm -rf "$dest" "$(dirname "$dest")/postgres-owned"
mkdir -p "$dest/bin" "$dest$bin" "$dest/usr/lib/postgresql/$major/lib" "$dest/usr/share/postgresql" \
    "$dest/usr/share" "$dest/etc" "$dest/tmp" "$dest/var/lib" "$dest/var/run" "$(dirname "$dest")/postgres-owned/empty"
chmod 1777 "$dest/tmp"
cp /bin/busybox "$dest/bin/busybox"
for applet in $(/bin/busybox --list); do [ -e "$dest/bin/$applet" ] || ln -s busybox "$dest/bin/$applet"; done
for program in postgres initdb pg_ctl; do cp "$bin/$program" "$dest$bin/"; done
# the server's modules (plpgsql, text search dictionaries, encoding conversions); not the LLVM JIT
for module in /usr/lib/postgresql/"$major"/lib/*.so; do
    case "$module" in */llvmjit.so) continue ;; esac
    cp "$module" "$dest/usr/lib/postgresql/$major/lib/"
done
cp -r "/usr/share/postgresql/$major" "$dest/usr/share/postgresql/"
cp -r /usr/share/zoneinfo "$dest/usr/share/zoneinfo"
# every library the copied programs and modules load, at the same path, and the loader itself
for elf in "$dest$bin"/* "$dest/usr/lib/postgresql/$major/lib"/*.so; do
    ldd "$elf" | awk '/=> \// { print $3 } /^\t\/[^ ]*ld-linux/ { print $1 }'
done | sort -u | while read -r lib; do
    mkdir -p "$dest$(dirname "$lib")"
    cp -L "$lib" "$dest$lib"
done
install -m 0644 "$here/passwd" "$here/group" "$dest/etc/"
install -m 0755 "$here/entrypoint.sh" "$dest/entrypoint.sh"
cp "$here/Dockerfile" "$(dirname "$dest")/Dockerfile"
