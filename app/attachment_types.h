#pragma once
// Which modality a file holds, by its extension: the one table the window, the command line
// and the server share. Plain C++ with no dependency, so that parsers built alone (the fuzz
// harnesses) can use it.
#include <optional>
#include <string>
#include <vector>

#include "engine/modality.h"

namespace ibllm::app {

// The extension of a path's file name, lower case and without the dot; empty when it has none
// ("dir.d/file", ".bashrc", "x.").
std::string file_extension(const std::string& path);

// The file extensions (lower case, no dot) that are taken as `modality` by default; empty
// for depth, thermal and text, which are never guessed.
std::vector<std::string> attachment_extensions(Modality modality);

// The modality a file most likely holds, from its extension; nullopt when unknown. Depth
// and thermal images look like any image, so they are never guessed: the user says so.
std::optional<Modality> guess_modality(const std::string& path);

}  // namespace ibllm::app
