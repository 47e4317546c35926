#!/usr/bin/env bash
# Installs every Debian 12 package the project needs to build, test and package.
# Checks each package first and installs only what is missing, so a re-run is quick
# and an interrupted run is completed rather than left half-done.
set -euo pipefail

PACKAGES=(
  # toolchain
  build-essential cmake ninja-build pkg-config git
  # Qt 6 (Widgets, OpenGL, Svg, Multimedia, Sql/SQLite, Test, Linguist)
  qt6-base-dev qt6-tools-dev qt6-tools-dev-tools qt6-l10n-tools
  libqt6opengl6-dev libqt6svg6-dev qt6-multimedia-dev libqt6sql6-sqlite
  libgl-dev
  # libtorch (CPU) and a fast BLAS for it (netlib BLAS is 40x slower)
  libtorch-dev libopenblas0-pthread
  # tokens, visual cache, JSON
  libsentencepiece-dev sentencepiece libfaiss-dev nlohmann-json3-dev
  # the OpenAI-compatible server's HTTP (ibllm-cli serve)
  libcpp-httplib-dev
  # training data configs (the reference's META yaml files)
  libyaml-cpp-dev
  # data-parallel training: the Gloo headers c10d's ProcessGroupGloo.hpp includes
  libgloo-dev
  # media: FFmpeg, PortAudio, PCL
  libavformat-dev libavcodec-dev libswscale-dev libswresample-dev libavutil-dev
  portaudio19-dev libasound2-dev libpcl-dev
  # the fuzz harnesses (tests/fuzz, scripts/fuzz.sh): clang with libFuzzer and the sanitizers
  clang libclang-rt-14-dev
  # headless GUI tests and test media made at test time
  xvfb xauth ffmpeg sox espeak-ng
  # screenshots of the app under Xvfb (scripts/screenshot.sh uses `import`), and a CJK
  # font so that the Chinese UI and answers render on a minimal system
  imagemagick fonts-wqy-microhei
)

# Node.js and npm run the official openai client against the server in the tests. A machine
# may have Node.js from elsewhere (with its own npm): then Debian's are not added.
command -v node >/dev/null || PACKAGES+=(nodejs)
command -v npm >/dev/null || PACKAGES+=(npm)

missing=()
for p in "${PACKAGES[@]}"; do
  # "install ok installed" is dpkg's state for a fully configured package;
  # anything else (absent, half-configured, unpacked) is reinstalled.
  if [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" != "install ok installed" ]; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "install-deps: installing ${#missing[@]} missing package(s): ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# Finish any interrupted earlier run before installing more.
$SUDO dpkg --configure -a
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "install-deps: done"
