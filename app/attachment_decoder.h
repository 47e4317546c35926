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
// With `onellm` the file is read the way OneLLM's loaders read it: point clouds, fMRI and IMU
// as .npy arrays (IMU with <name>_timestamps.npy beside it), video as one frame per 1 s clip,
// and rgbd / rgbn as two files, "PHOTO,MAP".
EncoderInput decode_attachment(Modality modality, const std::string& path, bool reference_points = false, bool onellm = false);

// The two files of an RGB-D / RGB-N attachment: "photo.png,depth.png" (split at the comma
// where both sides are files, so names may hold commas). Error when it is not such a pair.
std::pair<std::string, std::string> split_image_pair(const std::string& path);

// The xyz of a point cloud saved with torch.save (.pt), as rows of x, y, z, for showing it:
// the window's previews read such files through here, never through the engine. Throws
// ibllm::Error naming the file when it cannot be read.
std::vector<double> read_saved_point_cloud(const std::string& path);

// decode_attachment() + Engine::embed(); `note` receives what was done to the input.
std::vector<float> encode_attachment(Engine& engine, Modality modality, const std::string& path, std::string* note = nullptr);

// What Engine::ask() reads for the file: decode_attachment() for the loaded family +
// Engine::encode() (an ImageBind embedding, or OneLLM's modality tokens).
std::vector<float> encode_for_ask(Engine& engine, Modality modality, const std::string& path, std::string* note = nullptr);

}  // namespace ibllm::app
