#!/usr/bin/env bash
# Builds the Debian package (imagebind-llm_<version>_<arch>.deb) of the desktop assistant and
# the command-line assistant, for Debian 12.
#
#   scripts/package-deb.sh [BUILD_DIR]     (default: build-deb; the .deb is written there)
#
# Then: sudo apt-get install ./BUILD_DIR/imagebind-llm_*.deb   (apt fetches the dependencies)
#       sudo apt-get remove imagebind-llm
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir="${1:-build-deb}"

scripts/install-deps.sh
# CPack asks dpkg-shlibdeps (dpkg-dev, part of build-essential) for the library dependencies.
if ! command -v dpkg-shlibdeps >/dev/null; then
  echo "package-deb: dpkg-shlibdeps is missing; install it with: sudo apt-get install dpkg-dev" >&2
  exit 1
fi

# A /usr prefix: the package installs there, and the programs find their private files
# relative to /usr/bin (the module in ../lib/<arch>/imagebind-llm).
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr
# Only what the package installs (the install() rules): the two programs and the tokenizer
# module; the tests and the benchmark are not needed for it.
cmake --build "$build_dir" -j"${JOBS:-$(nproc)}" --target imagebind-llm ibllm-cli ibllm_spm

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
(cd "$build_dir" && cpack -G DEB) | tee "$log"
deb="$(sed -n 's/^CPack: - package: \(.*\.deb\) generated\.$/\1/p' "$log" | tail -n 1)"
if [ -z "$deb" ] || [ ! -f "$deb" ]; then
  echo "package-deb: cpack did not report a .deb; see its output above." >&2
  exit 1
fi

echo
dpkg-deb --field "$deb" Package Version Architecture Depends Recommends
echo
echo "package-deb: the package is $deb"
echo "  install:  sudo apt-get install $(realpath --relative-to=. "$deb" | sed 's|^\([^/]\)|./\1|')"
echo "  contents: dpkg-deb -c $deb"
