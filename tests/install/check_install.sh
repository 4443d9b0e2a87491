#!/usr/bin/env bash
# Installs the build tree given in SKIFF_BUILD_DIR into a temporary prefix and
# proves the installed package is usable on its own:
#   - nothing installed refers back to the source or build tree;
#   - a CMake project finds it with find_package(skiff) and links
#     skiff::skiff_static and skiff::skiff_shared; both programs run;
#   - a program compiled with only `pkg-config --cflags --libs skiff` builds and runs;
#   - the sans-I/O core (include/skiff/core) is usable on its own: each of its headers
#     compiles alone, and a program drives a client and a server with it in memory.
source "$(dirname "$0")/../interop/lib.sh"

require_cmd cmake pkg-config
[[ -f $SKIFF_BUILD_DIR/cmake_install.cmake ]] || die "$SKIFF_BUILD_DIR is not a configured build tree"
CXX=${SKIFF_CXX:-c++}
GEN=${SKIFF_CMAKE_GENERATOR:-Ninja}
HERE=$(cd "$(dirname "$0")" && pwd)
prefix=$SKIFF_T/prefix

log "cmake --install $SKIFF_BUILD_DIR --prefix $prefix"
cmake --install "$SKIFF_BUILD_DIR" --prefix "$prefix" >"$SKIFF_T/install.log" 2>&1 ||
  { cat "$SKIFF_T/install.log" >&2; die "cmake --install failed"; }

# What must be there.
config=$(find "$prefix" -name skiffConfig.cmake -print -quit)
pcfile=$(find "$prefix" -name skiff.pc -print -quit)
[[ -n $config ]] || die "no skiffConfig.cmake installed"
[[ -n $pcfile ]] || die "no skiff.pc installed"
[[ -f $prefix/include/skiff/error.hpp ]] || die "public header skiff/error.hpp not installed"
[[ -n $(find "$prefix" -name libskiff.a) ]] || die "libskiff.a not installed"
[[ -n $(find "$prefix" -name 'libskiff.so*') ]] || die "libskiff.so not installed"

# Only the public API is installed as headers, and no installed file points into
# the source or build tree (an exported include directory like src/ would).
if find "$prefix/include" -type f ! -path "$prefix/include/skiff/*" | grep -q .; then
  die "headers installed outside include/skiff: $(find "$prefix/include" -type f ! -path "$prefix/include/skiff/*")"
fi
src_dir=$(cd "$HERE/../.." && pwd)
build_dir=$(cd "$SKIFF_BUILD_DIR" && pwd)
if grep -rlF -e "$src_dir" -e "$build_dir" "$(dirname "$config")" "$pcfile"; then
  die "installed CMake or pkg-config files refer to the source or build tree"
fi

# Each public header compiles on its own with only the installed include directory
# and the system's (a public header must not need skiff's src/).
for h in "$prefix"/include/skiff/*.hpp; do
  printf '#include <skiff/%s>\n' "$(basename "$h")" >"$SKIFF_T/header_check.cpp"
  "$CXX" -std=c++23 -fsyntax-only -I"$prefix/include" "$SKIFF_T/header_check.cpp" 2>"$SKIFF_T/header_check.log" ||
    { cat "$SKIFF_T/header_check.log" >&2; die "installed header skiff/$(basename "$h") does not compile on its own"; }
done
[[ -f $prefix/include/skiff/core/endpoint/endpoint.hpp ]] || die "the sans-I/O core's headers are not installed"
while IFS= read -r h; do
  rel=${h#"$prefix/include/skiff/core/"}
  printf '#include "%s"\n' "$rel" >"$SKIFF_T/header_check.cpp"
  "$CXX" -std=c++23 -fsyntax-only -I"$prefix/include" -I"$prefix/include/skiff/core" "$SKIFF_T/header_check.cpp" \
    2>"$SKIFF_T/header_check.log" ||
    { cat "$SKIFF_T/header_check.log" >&2; die "installed core header $rel does not compile on its own"; }
done < <(find "$prefix/include/skiff/core" -name '*.hpp')

# CMake consumer: static and shared.
log "CMake consumer: find_package(skiff), skiff::skiff_static and skiff::skiff_shared"
cmake -G "$GEN" -S "$HERE/consumer" -B "$SKIFF_T/consumer" -DCMAKE_CXX_COMPILER="$CXX" \
  -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_FIND_PACKAGE_NO_PACKAGE_REGISTRY=ON >"$SKIFF_T/consumer-configure.log" 2>&1 ||
  { cat "$SKIFF_T/consumer-configure.log" >&2; die "consumer: configure failed"; }
grep -q "skiff_DIR:PATH=$(dirname "$config")" "$SKIFF_T/consumer/CMakeCache.txt" ||
  die "consumer found a skiff package other than the one just installed"
cmake --build "$SKIFF_T/consumer" >"$SKIFF_T/consumer-build.log" 2>&1 ||
  { cat "$SKIFF_T/consumer-build.log" >&2; die "consumer: build failed"; }
"$SKIFF_T/consumer/consumer_static" || die "consumer_static failed"
"$SKIFF_T/consumer/consumer_shared" || die "consumer_shared failed"
"$SKIFF_T/consumer/core_consumer" || die "core_consumer (the sans-I/O core without the runtime) failed"
ldd "$SKIFF_T/consumer/consumer_shared" | grep -F "$prefix" | grep -q libskiff ||
  die "consumer_shared does not load libskiff from $prefix"
if ldd "$SKIFF_T/consumer/consumer_static" | grep -q libskiff; then
  die "consumer_static loads a shared libskiff"
fi

# pkg-config consumer (shared library).
log "pkg-config consumer"
PKG_CONFIG_PATH=$(dirname "$pcfile")
export PKG_CONFIG_PATH
pkg-config --exists skiff || die "pkg-config does not find skiff"
libdir=$(pkg-config --variable=libdir skiff)
[[ $libdir == "$prefix"/* ]] || die "skiff.pc has libdir $libdir, not under the prefix it was installed to"
# shellcheck disable=SC2046
"$CXX" $(pkg-config --cflags skiff) -o "$SKIFF_T/consumer_pc" "$HERE/consumer/main.cpp" \
  $(pkg-config --libs skiff) -Wl,-rpath,"$libdir" 2>"$SKIFF_T/pkgconfig-build.log" ||
  { cat "$SKIFF_T/pkgconfig-build.log" >&2; die "pkg-config consumer: build failed"; }
"$SKIFF_T/consumer_pc" || die "pkg-config consumer failed"

log "PASS"
