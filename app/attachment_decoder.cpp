#include "app/attachment_decoder.h"

#include <cmath>
#include <filesystem>
#include <optional>

#include "media/av/audio_decoder.h"
#include "media/av/video_decoder.h"
#include "media/image/image_file.h"
#include "media/media_error.h"
#include "media/points/imu_csv.h"
#include "media/points/point_cloud_file.h"

namespace ibllm::app {

namespace {

// Frames per clip and clips per video as ImageBind's data.py takes them.
constexpr int kFramesPerClip = 2;

bool is_file(const std::string& p) {
    std::error_code ec;
    return std::filesystem::is_regular_file(p, ec);
}

ImageInput rgb_input(const std::string& path) {
    media::RgbImage img = media::load_rgb_image(path);
    return ImageInput{img.width, img.height, std::move(img.rgb)};
}

// OneLLM's readers where they differ from ImageBind's; nothing where they are the same.
std::optional<EncoderInput> decode_onellm(Modality modality, const std::string& path) {
    EncoderInput in;
    in.modality = modality;
    in.source = path;
    switch (modality) {
        case Modality::Rgbd:
        case Modality::Rgbn: {
            const auto [photo, map] = split_image_pair(path);
            in.image = rgb_input(photo);
            in.map = rgb_input(map);
            return in;
        }
        case Modality::Point:
        case Modality::Fmri:
            if (file_extension(path) != "npy")
                throw Error(path + ": OneLLM reads " + std::string(modality == Modality::Fmri ? "fMRI" : "point clouds") +
                            " from .npy files (" + (modality == Modality::Fmri ? "voxels, or repetitions x voxels" : "N x 6: x y z r g b") +
                            "); save it with numpy.save.");
            in.array = read_npy_array(path);
            return in;
        case Modality::Imu: {
            if (file_extension(path) != "npy")
                throw Error(path + ": OneLLM reads IMU recordings as (6, n) .npy files with <name>_timestamps.npy beside them.");
            const std::filesystem::path p(path);
            const std::string ts = (p.parent_path() / (p.stem().string() + "_timestamps.npy")).string();
            if (!is_file(ts))
                throw Error(path + " has no " + std::filesystem::path(ts).filename().string() +
                            " beside it; OneLLM needs each sample's time in milliseconds there.");
            in.array = read_npy_array(path);
            in.timestamps = read_npy_array(ts).values;
            return in;
        }
        case Modality::Video: {
            const media::VideoInfo info = media::probe_video(path);
            const std::vector<int64_t> ids = onellm_video_frames(info.frame_count, info.fps);
            // Frame k by its time: [k, k + 1) frame periods after the stream's start.
            const double ticks = static_cast<double>(info.tb_den) / (static_cast<double>(info.tb_num) * info.fps);
            std::vector<std::pair<int64_t, int64_t>> windows;
            for (int64_t k : ids)
                windows.emplace_back(info.start_pts + std::llround(k * ticks), info.start_pts + std::llround((k + 1) * ticks));
            std::vector<media::ClipFrames> clips = media::decode_clip_frames(path, windows, 1);
            in.video.width = info.width;
            in.video.height = info.height;
            for (media::ClipFrames& c : clips) {
                if (c.kept.empty()) throw Error(path + " is missing frames OneLLM samples; the file may be damaged.");
                in.video.clips.push_back({std::move(c.kept.front().rgb)});
            }
            return in;
        }
        default: return std::nullopt;  // the shared readers
    }
}

EncoderInput decode(Modality modality, const std::string& path, bool reference_points) {
    EncoderInput in;
    in.modality = modality;
    in.source = path;
    switch (modality) {
        case Modality::Image: {
            media::RgbImage img = media::load_rgb_image(path);
            in.image = ImageInput{img.width, img.height, std::move(img.rgb)};
            break;
        }
        case Modality::Depth:
        case Modality::Thermal: {
            media::GrayImage img = media::load_gray_image(path);
            in.gray = GrayInput{img.width, img.height, img.bits, std::move(img.values)};
            break;
        }
        case Modality::Audio: {
            // The file's own rate: the engine resamples to 16 kHz exactly as torchaudio does.
            media::DecodedAudio a = media::decode_audio(path);
            in.audio = AudioInput{a.sample_rate, a.channels, std::move(a.samples)};
            break;
        }
        case Modality::Video: {
            const media::VideoInfo info = media::probe_video(path);
            const auto windows = video_clip_windows(info.duration_ticks, info.tb_num, info.tb_den, info.start_pts);
            std::vector<media::ClipFrames> clips = media::decode_clip_frames(path, windows, kFramesPerClip);
            in.video.width = info.width;
            in.video.height = info.height;
            for (size_t i = 0; i < clips.size(); ++i) {
                if (clips[i].kept.empty())
                    throw Error(path + " has no frames between " + std::to_string(i) + " and " + std::to_string(i + 2) +
                                " s of its 2-second clips; the file may be damaged.");
                std::vector<std::vector<uint8_t>> frames;
                for (media::DecodedFrame& f : clips[i].kept) frames.push_back(std::move(f.rgb));
                in.video.clips.push_back(std::move(frames));
            }
            break;
        }
        case Modality::Point: {
            if (file_extension(path) == "pt") {
                in.points = read_point_tensor(path);
            } else {
                media::PointCloudData cloud = media::load_point_cloud(path);
                in.points.xyz = std::move(cloud.xyz);
            }
            in.points.reference = reference_points;
            break;
        }
        case Modality::Imu: {
            media::ImuData imu = media::load_imu_csv(path);
            in.imu.samples = std::move(imu.samples);
            break;
        }
        case Modality::Text:
            throw Error("Text is typed, not attached as a file; write it in the question.");
        case Modality::Rgbd:
        case Modality::Rgbn:
        case Modality::Fmri:
            throw Error(path + ": " + to_string(modality) + " is a OneLLM input; load a OneLLM model to ask about it.");
    }
    return in;
}

}  // namespace

std::pair<std::string, std::string> split_image_pair(const std::string& path) {
    for (size_t at = path.find(','); at != std::string::npos; at = path.find(',', at + 1)) {
        const std::string a = path.substr(0, at), b = path.substr(at + 1);
        if (is_file(a) && is_file(b)) return {a, b};
    }
    throw Error(path + " is not a photo and its map: give both files as PHOTO,MAP (e.g. room.png,room_depth.png).");
}

EncoderInput decode_attachment(Modality modality, const std::string& path, bool reference_points, bool onellm) {
    try {
        if (onellm)
            if (std::optional<EncoderInput> in = decode_onellm(modality, path)) return std::move(*in);
        return decode(modality, path, reference_points);
    } catch (const media::MediaError& e) {
        // media/ speaks in the same one-sentence form; the rest of the app handles ibllm::Error.
        throw Error(e.what());
    }
}

std::vector<float> encode_attachment(Engine& engine, Modality modality, const std::string& path, std::string* note) {
    return engine.embed(decode_attachment(modality, path), note);
}

std::vector<float> encode_for_ask(Engine& engine, Modality modality, const std::string& path, std::string* note) {
    const std::string why = engine.cannot_read(modality);
    if (!why.empty()) throw Error(path + ": " + why);
    return engine.encode(decode_attachment(modality, path, false, engine.is_onellm()), note);
}

std::vector<double> read_saved_point_cloud(const std::string& path) { return read_point_tensor(path).xyz; }

}  // namespace ibllm::app
