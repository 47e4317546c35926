#pragma once
// What the two video readers (video_decoder.cpp for the encoder's clips, video_thumbnails.cpp
// for the attachment preview) share: the video stream with its one-sentence errors, a frame's
// time, the stream facts of VideoInfo, and a frame converted to packed RGB24. Internal to
// media/av.
extern "C" {
#include <libswscale/swscale.h>
}

#include <memory>
#include <string>

#include "media/av/ffmpeg_input.h"
#include "media/av/video_decoder.h"

namespace ibllm::media::ffmpeg {

struct SwsFreer {
    void operator()(SwsContext* s) const { sws_freeContext(s); }
};
using SwsPtr = std::unique_ptr<SwsContext, SwsFreer>;

// The first video stream; a file without one throws MediaError naming it (and, for a sound
// file, saying to attach it as audio).
int require_video_stream(const AVFormatContext* fmt, const std::string& path);

// A decoded frame's presentation time in stream ticks (its best-effort time when it has none).
int64_t frame_pts(const AVFrame* f);

// VideoInfo of stream `index` except the duration fields: time base, start, size, frame rate,
// frame count, and whether the file has sound. A stream without a valid time base throws.
VideoInfo video_stream_facts(const AVFormatContext* fmt, int index, const std::string& path);

// `f` scaled to width x height (its own size for the encoder, which must match PyAV's
// frame.to_rgb(): SWS_BILINEAR, default colour details) as tightly packed RGB24. `sws` is
// reused between calls. A pixel format libswscale cannot read throws MediaError naming `name`.
DecodedFrame frame_to_rgb24(const AVFrame* f, int width, int height, int sws_flags, SwsPtr& sws, const std::string& name);

}  // namespace ibllm::media::ffmpeg
