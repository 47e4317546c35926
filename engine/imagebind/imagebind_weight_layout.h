#pragma once
// The checkpoint keys and shapes that an ImageBind config implies, named as the reference
// ImageBindModel.state_dict() names them (the keys of imagebind_w3D.pth). The loader checks
// a checkpoint against this list, and the tests check the list against the real model's
// shapes, which proves the real checkpoint loads without having it.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "engine/imagebind/imagebind_config.h"

namespace ibllm {

using TensorShapes = std::vector<std::pair<std::string, std::vector<int64_t>>>;

// Every tensor of the given modality (vision, text, audio, depth, thermal, imu), in
// state_dict order within each group: preprocessor, trunk, head, postprocessor.
TensorShapes expected_shapes(const ImageBindConfig& config, const std::string& modality);

// Every tensor of all the config's modalities (not the point encoder), in state_dict order.
TensorShapes expected_shapes(const ImageBindConfig& config);

// Key names shared by the layout and the loader.
namespace imagebind_keys {
std::string preprocessor(const std::string& modality);  // "modality_preprocessors.<m>."
std::string trunk(const std::string& modality);         // "modality_trunks.<m>."
std::string block(const std::string& modality, int64_t index);  // "modality_trunks.<m>.blocks.<i>."
std::string head(const std::string& modality);          // "modality_heads.<m>."
std::string log_logit_scale(const std::string& modality);
// The Conv/Linear of the patch stem; vision's sits at index 1 of a Sequential after PadIm2Video.
std::string stem_projection(const std::string& modality, const TrunkConfig& trunk);
}  // namespace imagebind_keys

}  // namespace ibllm
