#pragma once
// From a user's file to an ImageBind embedding: guess the modality, decode the file with
// media/ into plain buffers, and hand them to the engine's encoders. This is the one place
// that joins media/ and engine/ (they never include each other).
#include <optional>
#include <string>
#include <vector>

#include "app/attachment_types.h"
#include "engine/engine.h"

namespace ibllm::app {

// Decodes `path` as `modality`. `reference_points` selects the reference loader's raw point
// path (for parity) instead of the product's centring/scaling/sampling. Throws ibllm::Error
// with one sentence naming the file for anything that cannot be decoded.
EncoderInput decode_attachment(Modality modality, const std::string& path, bool reference_points = false);

// The xyz of a point cloud saved with torch.save (.pt), as rows of x, y, z, for showing it:
// the window's previews read such files through here, never through the engine. Throws
// ibllm::Error naming the file when it cannot be read.
std::vector<double> read_saved_point_cloud(const std::string& path);

// decode_attachment() + Engine::embed(); `note` receives what was done to the input.
std::vector<float> encode_attachment(Engine& engine, Modality modality, const std::string& path, std::string* note = nullptr);

}  // namespace ibllm::app
