#pragma once
// How long an audio or video file plays, as its container and streams state it.
#include <string>

namespace ibllm::media {

// Seconds: the longest audio or video stream as the streams state it, else the container's
// duration, else the end of the last packet found by reading the file through. Throws
// MediaError for files that cannot be opened (see ffmpeg_input.h).
double media_duration(const std::string& path);

}  // namespace ibllm::media
