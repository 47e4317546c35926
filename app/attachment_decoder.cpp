#include "app/attachment_decoder.h"

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
    }
    return in;
}

}  // namespace

EncoderInput decode_attachment(Modality modality, const std::string& path, bool reference_points) {
    try {
        return decode(modality, path, reference_points);
    } catch (const media::MediaError& e) {
        // media/ speaks in the same one-sentence form; the rest of the app handles ibllm::Error.
        throw Error(e.what());
    }
}

std::vector<float> encode_attachment(Engine& engine, Modality modality, const std::string& path, std::string* note) {
    return engine.embed(decode_attachment(modality, path), note);
}

std::vector<double> read_saved_point_cloud(const std::string& path) { return read_point_tensor(path).xyz; }

}  // namespace ibllm::app
