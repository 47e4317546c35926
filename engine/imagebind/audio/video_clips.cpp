#include "engine/imagebind/audio/video_clips.h"

#include "engine/error.h"

namespace ibllm {

std::vector<PtsWindow> clips_to_pts_windows(const std::vector<ClipWindow>& clips, int64_t tb_num, int64_t tb_den,
                                            int64_t start_pts) {
    std::vector<PtsWindow> out;
    out.reserve(clips.size());
    for (const ClipWindow& c : clips)
        out.emplace_back(ceil_ticks(c.start, tb_num, tb_den) + start_pts, ceil_ticks(c.end, tb_num, tb_den) + start_pts);
    return out;
}

std::vector<PtsWindow> video_clip_pts_windows(double duration, int64_t tb_num, int64_t tb_den, int64_t start_pts,
                                              int clips, int64_t clip_duration) {
    return clips_to_pts_windows(constant_clips(duration, clip_duration, clips), tb_num, tb_den, start_pts);
}

std::vector<PtsWindow> video_clip_pts_windows_from_ticks(int64_t duration_ticks, int64_t tb_num, int64_t tb_den,
                                                         int64_t start_pts, int clips, int64_t clip_duration) {
    if (tb_num <= 0 || tb_den <= 0) throw Error("A video stream has an invalid time base; the file is damaged.");
    const Rational duration = Rational::from_int(duration_ticks) * Rational(tb_num, tb_den);
    return clips_to_pts_windows(constant_clips(duration, clip_duration, clips), tb_num, tb_den, start_pts);
}

}  // namespace ibllm
