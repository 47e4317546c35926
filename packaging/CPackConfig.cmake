# Debian package of the project: `cpack -G DEB` in the build folder.
set(CPACK_PACKAGE_NAME "imagebind-llm")
set(CPACK_PACKAGE_VENDOR "ImageBind-LLM desktop")
set(CPACK_PACKAGE_CONTACT "ImageBind-LLM desktop maintainers <maintainers@imagebind-llm.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Desktop multimodal assistant: ask LLaMA about images, audio, video and 3D point clouds")
set(CPACK_DEBIAN_PACKAGE_SECTION "science")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
# Shared-library dependencies (libtorch, Qt, FAISS, sentencepiece, ...) are found by dpkg-shlibdeps.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libopenblas0-pthread")
include(CPack)
