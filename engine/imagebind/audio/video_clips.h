#pragma once
// Which stream ticks each video clip of the reference covers: the five 2 s clips of
// ConstantClipsPerVideoSampler mapped to [ceil(start / time_base) + start_pts,
// ceil(end / time_base) + start_pts) as pytorchvideo's get_clip() filters frames. The glue
// hands these windows to media/av's decode_clip_frames(). Torch-free.
#include <cstdint>
#include <utility>
#include <vector>

#include "engine/imagebind/audio/clip_sampler.h"

namespace ibllm {

using PtsWindow = std::pair<int64_t, int64_t>;  // [lo, hi) in stream ticks

// From a duration in seconds (the double media/av's probe_video reports). Exact whenever the
// double is the exact duration, as for the fixture video (6.0 s).
std::vector<PtsWindow> video_clip_pts_windows(double duration, int64_t tb_num, int64_t tb_den, int64_t start_pts,
                                              int clips = 5, int64_t clip_duration = 2);

// From the duration in stream ticks (stream.duration - stream.start_time): pytorchvideo's own
// duration is that count times the time base as an exact Fraction, so this overload matches it
// for every time base, also where the double would round.
std::vector<PtsWindow> video_clip_pts_windows_from_ticks(int64_t duration_ticks, int64_t tb_num, int64_t tb_den,
                                                         int64_t start_pts, int clips = 5, int64_t clip_duration = 2);

// Shared by both: the clip windows (seconds) to tick windows.
std::vector<PtsWindow> clips_to_pts_windows(const std::vector<ClipWindow>& clips, int64_t tb_num, int64_t tb_den,
                                            int64_t start_pts);

}  // namespace ibllm
