# Debian package of the project: `cpack -G DEB` in a build folder configured with
# -DCMAKE_INSTALL_PREFIX=/usr (scripts/package-deb.sh does it all). The programs find their
# private files relative to themselves (/proc/self/exe), so nothing depends on the prefix
# baked in: the SentencePiece module in ../lib/<arch>/imagebind-llm, the CLIP vocabulary in
# ../share/imagebind-llm; translations and icons are compiled in.
set(CPACK_PACKAGE_NAME "imagebind-llm")
set(CPACK_PACKAGE_VENDOR "ImageBind-LLM desktop")
set(CPACK_PACKAGE_CONTACT "ImageBind-LLM desktop maintainers <maintainers@imagebind-llm.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Desktop multimodal assistant: ask LLaMA about images, audio, video and 3D point clouds")
set(CPACK_DEBIAN_PACKAGE_SECTION "science")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
# The package installs under /usr whatever prefix the build was configured with; configuring
# for /usr as well puts the module in the multiarch lib/x86_64-linux-gnu folder.
set(CPACK_PACKAGING_INSTALL_PREFIX "/usr")
# Debian ships separate -dbgsym packages; the .deb itself carries stripped programs.
set(CPACK_STRIP_FILES ON)
# Shared-library dependencies (libtorch, Qt, PCL, FFmpeg, PortAudio, sentencepiece through
# the module, ...) are found by dpkg-shlibdeps (package dpkg-dev).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# What dpkg-shlibdeps cannot see:
# - libopenblas.so.0 (the static FAISS links it) comes through the alternatives system, so no
#   package owns the path the program links to;
# - Qt loads plugins at run time: the SQLite driver (the conversations) and the SVG icon
#   engine (the window and chip icons). The xcb/offscreen platforms and the JPEG/GIF readers
#   are in libqt6gui6, which shlibdeps finds.
set(CPACK_DEBIAN_PACKAGE_DEPENDS
    "libopenblas0-pthread | libopenblas0-openmp | libopenblas0-serial, libqt6sql6-sqlite, libqt6svg6")
# Wanted but not required: native Wayland windows, WebP/TIFF attachments, Chinese glyphs, and
# playing audio attachments: Qt 6.4's Multimedia uses its GStreamer backend on Linux, which
# needs GStreamer's playbin (base) and WAV parser and audio sinks (good) to play anything.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS
    "qt6-wayland, qt6-image-formats-plugins, fonts-noto-cjk | fonts-wqy-microhei, gstreamer1.0-plugins-base, gstreamer1.0-plugins-good")
include(CPack)
