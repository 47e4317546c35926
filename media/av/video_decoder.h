#pragma once
// Video through FFmpeg the way the reference reads it (pytorchvideo's PyAV decoder): stream
// facts from the first video stream's header, and for each clip window every frame whose pts
// lies in [lo, hi) after an accurate seek, of which a uniform subsample is converted to RGB24
// with libswscale's defaults as PyAV's frame.to_rgb() does.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace ibllm::media {

struct VideoInfo {
    // pytorchvideo's duration: (stream.duration - stream.start_time) * time_base, video stream
    // only (it subtracts the start from a duration; kept as the reference does). A stream
    // without a stated duration gets its last packet's pts instead, as pytorchvideo then
    // decodes the whole video and takes the last frame's pts.
    double duration_s = 0.0;
    int64_t duration_ticks = 0;  // the same in stream ticks, exact: use it for the clip windows
    int64_t tb_num = 0, tb_den = 1;
    int64_t start_pts = 0;  // stream.start_time, 0 when unknown
    int width = 0, height = 0;
    double fps = 0.0;          // average frame rate; 0 when unknown
    int64_t frame_count = 0;   // as the header states; 0 when unknown
    bool has_audio = false;
};

// Throws MediaError for files that cannot be opened and for files with no video stream
// ("song.mp3 has no video stream; attach it as audio instead.").
VideoInfo probe_video(const std::string& path);

struct DecodedFrame {
    int64_t pts = 0;     // in stream ticks
    int64_t index = -1;  // position in the whole stream's pts order; -1 unless asked for
    int width = 0, height = 0;
    std::vector<uint8_t> rgb;  // height x width x 3, tightly packed
};

struct ClipFrames {
    int64_t frames_in_window = 0;    // distinct pts decoded inside [lo, hi)
    std::vector<DecodedFrame> kept;  // the uniform temporal subsample, in pts order
};

// For every window [lo, hi) (stream ticks): seek to max(lo - 1024, 0) backwards to a key
// frame, decode forward, take the frames with lo <= pts < hi sorted by pts (a repeated pts
// keeps the later frame) and keep positions linspace(0, T - 1, frames_per_clip) truncated, as
// pytorchvideo's UniformTemporalSubsample (2 -> the first and the last frame). Only the kept
// frames are converted to RGB. with_stream_index also fills DecodedFrame::index (one extra
// pass over the file's packets, no decoding). A window without frames throws MediaError.
std::vector<ClipFrames> decode_clip_frames(const std::string& path,
                                           const std::vector<std::pair<int64_t, int64_t>>& pts_windows,
                                           int frames_per_clip = 2, bool with_stream_index = false);

}  // namespace ibllm::media
