#pragma once
// A video's preview for people, not for the encoder: a few frames spread over its length,
// shrunk to thumbnail size. Unlike decode_clip_frames (which follows the reference's clip
// sampling exactly), this seeks to each moment more than 2 s ahead of where it is reading and
// decodes only up to it, so a long film previews in about the time a short clip does.
#include <string>
#include <vector>

#include "media/av/video_decoder.h"

namespace ibllm::media {

struct VideoThumbnails {
    // The stream's facts as probe_video() gives them, except duration: the stream's stated
    // length (not less its start time), else the container's, else the end of its last packet.
    VideoInfo info;
    std::vector<DecodedFrame> frames;  // RGB24 thumbnails in time order; pts in stream ticks
};

// Picks `count` moments, the middles of `count` equal parts of the video (so neither the
// often black first frame nor the end is chosen), and for each takes the frame on screen at
// that moment: the last frame whose pts is at or before it, or the first frame after it when
// none is. Each frame is scaled with area averaging, keeping its display aspect ratio, to fit
// inside max_width x max_height. A video with fewer frames than `count` gives each frame
// once. Throws MediaError for a file that cannot be opened, has no video stream, or has no
// frame that decodes; std::invalid_argument for count < 1 or a non-positive size.
VideoThumbnails decode_video_thumbnails(const std::string& path, int count, int max_width, int max_height);

}  // namespace ibllm::media
