#pragma once
// What happens to an attached point cloud before the 3D encoder sees it, in the user's words.
// The app encodes clouds with the engine's product path, prepare_user_point_cloud()
// (engine/imagebind/pointbert/point_cloud_prep.h): points with a NaN or infinite coordinate
// are dropped, the rest is centred on its centroid and scaled so that the farthest point lies
// on the unit sphere, and a cloud of more than 8192 points is reduced to 8192 by
// farthest-point sampling; fewer than 32 valid points cannot be encoded. The figures below
// repeat that function's defaults, as ui/ does not include engine internals.
#include <QString>
#include <cstdint>

namespace ibllm::ui {

constexpr int64_t kEncoderPointCount = 8192;    // prepare_user_point_cloud's target
constexpr int64_t kEncoderMinimumPoints = 32;   // kMinUserCloudPoints

// Points that reach the encoder for a file of `points` rows of which `nonFinite` have a NaN
// or infinite coordinate (0 when too few remain to be encoded).
int64_t pointsEncoded(int64_t points, int64_t nonFinite);

// Short, for the attachment chip: "8,192 of 10,000 points used", "all 5,000 points used",
// "too few points to encode (12)".
QString pointCloudUsageSummary(int64_t points, int64_t nonFinite);

// The whole preparation in one or two sentences, for the chip's tooltip and the viewer.
QString pointCloudPreparationNote(int64_t points, int64_t nonFinite);

}  // namespace ibllm::ui
