// Tests of the ImageBind preprocessing (engine/imagebind/preprocess) and of image decoding
// (media/image) against the reference goldens in tests/data/imagebind: decoded, resized and
// cropped pixels, the normalised image and video tensors, CLIP BPE ids, plus the documented
// behaviour of the depth, thermal and IMU inputs and every user-caused decoding error.
#include <QtTest/QtTest>
#include <QImage>
#include <QImageReader>
#include <QImageWriter>
#include <QTemporaryDir>

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

#include <array>
#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "engine/checkpoint/tensor_store.h"
#include "engine/error.h"
#include "engine/imagebind/preprocess/clip_normalization.h"
#include "engine/imagebind/preprocess/clip_text_cleaner.h"
#include "engine/imagebind/preprocess/clip_tokenizer.h"
#include "engine/imagebind/preprocess/crop_geometry.h"
#include "engine/imagebind/preprocess/depth_preprocessor.h"
#include "engine/imagebind/preprocess/image_preprocessor.h"
#include "engine/imagebind/preprocess/imu_preprocessor.h"
#include "engine/imagebind/preprocess/thermal_preprocessor.h"
#include "engine/imagebind/preprocess/video_preprocessor.h"
#include "media/image/image_file.h"
#include "media/media_error.h"
#include "golden.h"

using namespace ibllm;
using ibllm::test::data_path;
using ibllm::test::max_abs_diff;

namespace {

std::string imagebind(const std::string& rel) { return data_path("imagebind/" + rel); }

std::string read_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void write_bytes(const std::string& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string file_name(const std::string& path) { return path.substr(path.find_last_of('/') + 1); }

at::Tensor as_tensor(const media::RgbImage& image) {
    return at::from_blob(const_cast<uint8_t*>(image.rgb.data()), {image.height, image.width, 3}, at::kByte).clone();
}

// Runs `statement`, which must throw `ExceptionType` whose message names `path`'s file.
#define EXPECT_THROWS_NAMING(ExceptionType, path, statement)                                       \
    do {                                                                                           \
        std::string message_;                                                                      \
        bool thrown_ = false;                                                                      \
        try {                                                                                      \
            statement;                                                                             \
        } catch (const ExceptionType& e) {                                                         \
            thrown_ = true;                                                                        \
            message_ = e.what();                                                                   \
        }                                                                                          \
        QVERIFY2(thrown_, "expected " #ExceptionType " from " #statement);                         \
        qInfo("%s", message_.c_str());                                                             \
        QVERIFY2(message_.find(file_name(path)) != std::string::npos, message_.c_str());           \
    } while (0)

// The README's acceptance rule for images through another decoder/resizer.
void expect_within_decoder_tolerance(const at::Tensor& actual, const at::Tensor& expected, const char* what) {
    const at::Tensor diff = (actual - expected.reshape(actual.sizes())).abs();
    const double mean = diff.mean().item<double>(), max = diff.max().item<double>();
    qInfo("%s: mean |diff| %.3g, max |diff| %.3g", what, mean, max);
    QVERIFY2(mean <= 0.01 && max <= 0.15, what);
}

}  // namespace

class TestPreprocess : public QObject {
    Q_OBJECT

    TensorStore golden_;
    nlohmann::json meta_;
    std::unique_ptr<ClipTokenizer> tokenizer_;

private Q_SLOTS:
    void initTestCase() {
        golden_ = TensorStore::from_pth(imagebind("preprocess.pth"));
        meta_ = ibllm::test::load_json(imagebind("preprocess_meta.json"));
        tokenizer_ = std::make_unique<ClipTokenizer>(imagebind("bpe_simple_vocab_16e6.txt.gz"));
    }

    // ---- image decoding (media/image) ----------------------------------------------------

    void decodesJpegExactlyLikePil() {
        const media::RgbImage bird = media::load_rgb_image(imagebind("assets/bird_image.jpg"));
        QCOMPARE(bird.width, 640);
        QCOMPARE(bird.height, 855);
        const at::Tensor expected = golden_.get("image.bird_image.decoded_u8", {855, 640, 3});
        // Same libjpeg-turbo ISLOW decoder as PIL: bit-exact, not merely within tolerance.
        QCOMPARE(max_abs_diff(as_tensor(bird), expected), 0.0);
    }

    void decodesGreyAndAlphaImagesLikePilConvert() {
        QTemporaryDir dir;
        // RGBA: PIL's convert("RGB") drops alpha without compositing.
        QImage rgba(3, 2, QImage::Format_ARGB32);
        rgba.fill(qRgba(200, 100, 50, 10));
        const std::string rgba_path = dir.filePath("alpha.png").toStdString();
        QVERIFY(rgba.save(QString::fromStdString(rgba_path)));
        const media::RgbImage rgb = media::load_rgb_image(rgba_path);
        QCOMPARE(rgb.width, 3);
        QCOMPARE(rgb.height, 2);
        QCOMPARE(int(rgb.rgb[0]), 200);
        QCOMPARE(int(rgb.rgb[1]), 100);
        QCOMPARE(int(rgb.rgb[2]), 50);

        // Grey: expanded to three equal channels, and read back unchanged as grey.
        QImage grey(4, 3, QImage::Format_Grayscale8);
        for (int y = 0; y < 3; ++y)
            for (int x = 0; x < 4; ++x) grey.scanLine(y)[x] = uchar(10 * x + 50 * y);
        const std::string grey_path = dir.filePath("grey.png").toStdString();
        QVERIFY(grey.save(QString::fromStdString(grey_path)));
        const media::RgbImage grey_rgb = media::load_rgb_image(grey_path);
        QCOMPARE(int(grey_rgb.rgb[(2 * 4 + 3) * 3 + 0]), 130);
        QCOMPARE(int(grey_rgb.rgb[(2 * 4 + 3) * 3 + 2]), 130);
        const media::GrayImage grey_back = media::load_gray_image(grey_path);
        QCOMPARE(grey_back.bits, 8);
        QCOMPARE(int(grey_back.values[2 * 4 + 3]), 130);

        // Colour -> luma with PIL's convert("L") weights: (R*19595 + G*38470 + B*7471 + 2^15) >> 16.
        const media::GrayImage luma = media::load_gray_image(rgba_path);
        QCOMPARE(int(luma.values[0]), int((200 * 19595 + 100 * 38470 + 50 * 7471 + 0x8000) >> 16));
    }

    void keepsSixteenBitsOfDepthPngs() {
        QTemporaryDir dir;
        QImage depth(5, 4, QImage::Format_Grayscale16);
        for (int y = 0; y < 4; ++y) {
            auto* row = reinterpret_cast<uint16_t*>(depth.scanLine(y));
            for (int x = 0; x < 5; ++x) row[x] = uint16_t(1000 * x + 10000 * y + 7);
        }
        const std::string path = dir.filePath("depth16.png").toStdString();
        QVERIFY(depth.save(QString::fromStdString(path)));
        const media::GrayImage back = media::load_gray_image(path);
        QCOMPARE(back.bits, 16);
        QCOMPARE(back.width, 5);
        QCOMPARE(back.height, 4);
        QCOMPARE(int(back.values[3 * 5 + 4]), 4000 + 30000 + 7);
        QCOMPARE(int(back.values[0]), 7);
        // Opened as a photo, each sample keeps its high byte.
        const media::RgbImage as_rgb = media::load_rgb_image(path);
        QCOMPARE(int(as_rgb.rgb[(3 * 5 + 4) * 3 + 1]), (4000 + 30000 + 7) >> 8);
    }

    void doesNotApplyExifOrientation() {
        // A landscape JPEG tagged "rotate 90" must stay landscape: PIL's Image.open ignores the tag.
        QTemporaryDir dir;
        QImage image(40, 20, QImage::Format_RGB32);
        image.fill(qRgb(10, 200, 30));
        const std::string plain = dir.filePath("plain.jpg").toStdString();
        QVERIFY(image.save(QString::fromStdString(plain), "JPEG", 95));
        std::string bytes = read_bytes(plain);
        // APP1 Exif segment: big-endian TIFF with one IFD entry, Orientation (0x0112) = 6.
        const std::string tiff = std::string("MM\x00\x2A\x00\x00\x00\x08", 8) + std::string("\x00\x01", 2) +
                                 std::string("\x01\x12\x00\x03\x00\x00\x00\x01\x00\x06\x00\x00", 12) +
                                 std::string("\x00\x00\x00\x00", 4);
        const std::string payload = std::string("Exif\x00\x00", 6) + tiff;
        const size_t length = payload.size() + 2;
        const std::string app1 = std::string("\xFF\xE1", 2) + char(length >> 8) + char(length & 0xFF) + payload;
        bytes.insert(2, app1);
        const std::string tagged = dir.filePath("tagged.jpg").toStdString();
        write_bytes(tagged, bytes);
        QImageReader check(QString::fromStdString(tagged));
        check.setAutoTransform(true);
        QCOMPARE(check.read().width(), 20);  // the tag is really there: Qt would rotate it
        const media::RgbImage decoded = media::load_rgb_image(tagged);
        QCOMPARE(decoded.width, 40);
        QCOMPARE(decoded.height, 20);
    }

    void acceptsValidJpegVariants() {
        // The truncation check must not reject progressive scans, an embedded thumbnail (a
        // complete JPEG inside APP1, with its own end marker) or bytes after the end marker.
        QTemporaryDir dir;
        QImage image(64, 48, QImage::Format_RGB32);
        for (int y = 0; y < 48; ++y)
            for (int x = 0; x < 64; ++x) image.setPixel(x, y, qRgb(4 * x, 5 * y, 128));
        const std::string progressive = dir.filePath("progressive.jpg").toStdString();
        QImageWriter writer(QString::fromStdString(progressive), "jpeg");
        writer.setProgressiveScanWrite(true);
        QVERIFY(writer.write(image));
        QCOMPARE(media::load_rgb_image(progressive).width, 64);

        const std::string thumb_path = dir.filePath("thumb.jpg").toStdString();
        QVERIFY(image.scaled(8, 6).save(QString::fromStdString(thumb_path), "JPEG"));
        const std::string thumbnail = read_bytes(thumb_path);
        const std::string payload = std::string("Exif\x00\x00", 6) + thumbnail;
        const size_t length = payload.size() + 2;
        std::string bytes = read_bytes(progressive);
        bytes.insert(2, std::string("\xFF\xE1", 2) + char(length >> 8) + char(length & 0xFF) + payload);
        bytes += "trailing bytes after the image";
        const std::string combined = dir.filePath("thumb_and_trailer.jpg").toStdString();
        write_bytes(combined, bytes);
        const media::RgbImage decoded = media::load_rgb_image(combined);
        QCOMPARE(decoded.width, 64);
        QCOMPARE(decoded.height, 48);
        // A cut inside the main scan is still caught although the thumbnail has its end marker.
        const std::string cut = dir.filePath("thumb_cut.jpg").toStdString();
        write_bytes(cut, bytes.substr(0, 2 + 4 + payload.size() + 200));
        EXPECT_THROWS_NAMING(media::MediaError, cut, media::load_rgb_image(cut));
    }

    // ---- image preprocessing ---------------------------------------------------------------

    void resizeMatchesPilExactly() {
        const at::Tensor decoded = golden_.get("image.bird_image.decoded_u8").contiguous();
        const at::Tensor resized = resize_bicubic_pil(decoded.data_ptr<uint8_t>(), 640, 855, 3, 224, 299);
        QCOMPARE(max_abs_diff(resized, golden_.get("image.bird_image.resized_u8", {299, 224, 3})), 0.0);
    }

    void cropAndOutputMatchFromDecodedPixels() {
        const at::Tensor decoded = golden_.get("image.bird_image.decoded_u8").contiguous();
        ImagePrepTrace trace;
        const at::Tensor out = preprocess_image(decoded.data_ptr<uint8_t>(), 640, 855, &trace);
        QCOMPARE(out.sizes().vec(), (std::vector<int64_t>{1, 3, 224, 224}));
        QCOMPARE(out.scalar_type(), at::kFloat);
        QCOMPARE(max_abs_diff(trace.resized_u8, golden_.get("image.bird_image.resized_u8")), 0.0);
        QCOMPARE(max_abs_diff(trace.cropped_u8, golden_.get("image.bird_image.cropped_u8", {224, 224, 3})), 0.0);
        IBLLM_COMPARE_TENSORS(out, golden_.get("image.bird_image.output", {1, 3, 224, 224}), 1e-6);
    }

    void fullChainFromJpegFiles() {
        for (const char* name : {"bird_image", "dog_image"}) {
            const std::string key = std::string("image.") + name;
            const media::RgbImage image = media::load_rgb_image(imagebind(std::string("assets/") + name + ".jpg"));
            ImagePrepTrace trace;
            const at::Tensor out = preprocess_image(image.rgb.data(), image.width, image.height, &trace);
            // The README accepts another decoder within mean 0.01 / max 0.15; ours is the same
            // decoder and resampler, so the whole chain is exact (atol 1e-6 on the floats).
            expect_within_decoder_tolerance(out, golden_.get(key + ".output"), name);
            QCOMPARE(max_abs_diff(trace.resized_u8, golden_.get(key + ".resized_u8")), 0.0);
            QCOMPARE(max_abs_diff(trace.cropped_u8, golden_.get(key + ".cropped_u8")), 0.0);
            IBLLM_COMPARE_TENSORS(out, golden_.get(key + ".output"), 1e-6);
        }
    }

    void cropGeometryFollowsTorchvision() {
        QCOMPARE(center_crop_offset_torchvision(299, 224), 38);  // 37.5 -> 38 (even)
        QCOMPARE(center_crop_offset_torchvision(296, 224), 36);
        QCOMPARE(center_crop_offset_torchvision(297, 224), 36);  // 36.5 -> 36 (even)
        QCOMPARE(center_crop_offset_torchvision(224, 224), 0);
        const Size2 bird = short_side_resize_torchvision(640, 855, 224);
        QCOMPARE(bird.width, 224);
        QCOMPARE(bird.height, 299);
        const Size2 video = short_side_resize_pytorchvideo(320, 240, 224);
        QCOMPARE(video.width, 298);
        QCOMPARE(video.height, 224);
    }

    void resizeKeepsConstantsAndHandlesUpscaling() {
        // A constant image stays constant through the fixed-point kernels, in either direction.
        std::vector<uint8_t> flat(size_t(50) * 30 * 3);
        for (size_t i = 0; i < flat.size(); ++i) flat[i] = uint8_t(i % 3 == 0 ? 17 : i % 3 == 1 ? 128 : 255);
        for (auto [w, h] : {std::pair{224, 134}, std::pair{20, 12}, std::pair{50, 30}, std::pair{50, 7}}) {
            const at::Tensor r = resize_bicubic_pil(flat.data(), 50, 30, 3, w, h);
            QCOMPARE(r.sizes().vec(), (std::vector<int64_t>{h, w, 3}));
            QCOMPARE(r.select(2, 0).min().item<int>(), 17);
            QCOMPARE(r.select(2, 0).max().item<int>(), 17);
            QCOMPARE(r.select(2, 2).min().item<int>(), 255);
        }
        // A tiny image is upscaled to a 224 short side before the crop.
        const at::Tensor out = preprocess_image(flat.data(), 50, 30);
        QCOMPARE(out.sizes().vec(), (std::vector<int64_t>{1, 3, 224, 224}));
        const float red = float((17 / 255.0f - float(kClipMean[0])) / float(kClipStd[0]));
        QVERIFY(std::abs(out[0][0].max().item<float>() - red) < 1e-6);
        QVERIFY_THROWS_EXCEPTION(ibllm::Error, preprocess_image(flat.data(), 0, 30));
    }

    // ---- video ---------------------------------------------------------------------------

    void videoFromFramesMatchesReference() {
        const at::Tensor frames = golden_.get("video.testsrc2_320x240_25fps_6s.frames_u8", {5, 2, 240, 320, 3}).contiguous();
        std::vector<std::vector<const uint8_t*>> clips(5);
        for (int c = 0; c < 5; ++c)
            for (int t = 0; t < 2; ++t) clips[c].push_back(frames[c][t].data_ptr<uint8_t>());
        const at::Tensor out = preprocess_video_clips(clips, 320, 240);
        QCOMPARE(out.sizes().vec(), (std::vector<int64_t>{1, 15, 3, 2, 224, 224}));
        const at::Tensor expected = golden_.get("video.testsrc2_320x240_25fps_6s.output");
        qInfo("video max |diff| %.3g", max_abs_diff(out, expected));
        IBLLM_COMPARE_TENSORS(out, expected, 1e-5);
    }

    void portraitVideoCropsAlongTheHeight() {
        // The transposed reference clip: crops move along the height at the same offsets, so
        // each crop is the transpose of the reference's.
        const at::Tensor clip0 = golden_.get("video.testsrc2_320x240_25fps_6s.frames_u8")[0];
        const at::Tensor transposed = clip0.transpose(1, 2).contiguous();  // (2, 320, 240, 3)
        const std::vector<std::vector<const uint8_t*>> clips{
            {transposed[0].data_ptr<uint8_t>(), transposed[1].data_ptr<uint8_t>()}};
        const at::Tensor out = preprocess_video_clips(clips, 240, 320);
        QCOMPARE(out.sizes().vec(), (std::vector<int64_t>{1, 3, 3, 2, 224, 224}));
        const at::Tensor expected = golden_.get("video.testsrc2_320x240_25fps_6s.output").narrow(1, 0, 3);
        IBLLM_COMPARE_TENSORS(out, expected.transpose(-1, -2).contiguous(), 1e-5);
        QVERIFY_THROWS_EXCEPTION(ibllm::Error, preprocess_video_clips({}, 240, 320));
    }

    // ---- text ----------------------------------------------------------------------------

    void tokenizerMatchesReferenceIds() {
        const auto strings = meta_["text"]["strings"].get<std::vector<std::string>>();
        const auto cleaned = meta_["text"]["after_ftfy_html_ws_lower"].get<std::vector<std::string>>();
        const auto untruncated = meta_["text"]["bpe_ids_untruncated"];
        QCOMPARE(strings.size(), size_t(9));
        QCOMPARE(tokenizer_->vocab_size(), int64_t(49408));
        const at::Tensor ids = tokenizer_->encode_batch(strings);
        QCOMPARE(ids.sizes().vec(), (std::vector<int64_t>{9, 77}));
        QCOMPARE(ids.scalar_type(), at::kLong);
        const at::Tensor expected = golden_.get("text.tokens", {9, 77});
        const at::Tensor seq_len = golden_.get("text.seq_len", {9});
        for (size_t i = 0; i < strings.size(); ++i) {
            const QByteArray label = QByteArray::number(qulonglong(i)) + ": " + QByteArray::fromStdString(strings[i]);
            QVERIFY2(clean_clip_text(strings[i]) == cleaned[i], label.constData());
            QVERIFY2(tokenizer_->encode_untruncated(strings[i]) == ibllm::test::to_ids(untruncated[i]), label.constData());
            QVERIFY2(ids[i].equal(expected[i]), label.constData());
            QCOMPARE(ids[i].argmax().item<int64_t>(), seq_len[i].item<int64_t>());
        }
    }

    void tokenizerMatchesGoldenTextInput() {
        const auto strings = meta_["golden_text_strings"]["strings"].get<std::vector<std::string>>();
        const TensorStore golden = TensorStore::from_pth(imagebind("golden.pth"));
        QVERIFY(tokenizer_->encode_batch(strings).equal(golden.get("text.input", {2, 77})));
    }

    void textCleanerAppliesFtfyAndHtmlFixes() {
        QCOMPARE(clean_clip_text("Fish &amp;amp; Chips"), std::string("fish & chips"));  // ftfy + 2x html
        QCOMPARE(clean_clip_text("caf&eacute; &#233; &#xE9 &copy"), std::string("café é é ©"));
        QCOMPARE(clean_clip_text("&ampere"), std::string("&ere"));                   // legacy prefix rule
        QCOMPARE(clean_clip_text("<b>&lt;&amp;</b>"), std::string("<b><&</b>"));      // '<': ftfy leaves it
        QCOMPARE(clean_clip_text("cafe\xCC\x81"), std::string("caf\xC3\xA9"));        // NFC: e + U+0301 -> é
        QCOMPARE(clean_clip_text("\xEF\xBC\xA1\xE3\x80\x80" "B"), std::string("a b"));     // Ａ + U+3000
        QCOMPARE(clean_clip_text("\xEF\xBD\xB6\xEF\xBE\x9E"), std::string("\xE3\x82\xAC"));  // ｶﾞ -> ガ
        QCOMPARE(clean_clip_text("\x1B[31mred\x1B[0m\x07"), std::string("red"));
        QCOMPARE(clean_clip_text("\xE2\x80\x98it\xE2\x80\x99s\xE2\x80\x99"), std::string("'it's'"));
        QCOMPARE(clean_clip_text("\xCE\x9F\xCE\x94\xCE\x9F\xCE\xA3"), std::string("\xCE\xBF\xCE\xB4\xCE\xBF\xCF\x82"));  // final sigma
        // Digits are single tokens; a long text keeps no EOT and its EOS index is the SOT.
        const std::vector<int64_t> digits = tokenizer_->encode_untruncated("2024");
        QCOMPARE(digits.size(), size_t(4));
        std::string long_text(400, 'a');
        for (int i = 0; i < 200; ++i) long_text += " b";  // (std::string(" b", 200) read past the literal)
        const std::vector<int64_t> long_ids = tokenizer_->encode(long_text);
        QCOMPARE(long_ids.size(), size_t(77));
        QVERIFY(std::find(long_ids.begin(), long_ids.end(), ClipTokenizer::kEndOfText) == long_ids.end());
    }

    // ---- depth, thermal, IMU -------------------------------------------------------------

    void depthConvertsMillimetresToNormalisedDisparity() {
        const std::vector<uint16_t> one_metre(640 * 480, 1000);
        const at::Tensor depth = preprocess_depth(one_metre.data(), 640, 480, 16);
        QCOMPARE(depth.sizes().vec(), (std::vector<int64_t>{1, 1, 224, 224}));
        const double expected = 518.8579 * 0.075 / 1.0 / 75.0;  // disparity at 1 m, / max disparity
        QVERIFY(std::abs(depth.min().item<double>() - expected) < 1e-6);
        QVERIFY(std::abs(depth.max().item<double>() - expected) < 1e-6);
        // Nearer than the sensor limit clamps to 1; missing (0) and very far clamp to 0.01/75.
        QCOMPARE(depth_value_to_normalized_disparity(300, 16), 1.0f);
        QVERIFY(std::abs(depth_value_to_normalized_disparity(0, 16) - 0.01 / 75) < 1e-9);
        QVERIFY(std::abs(depth_value_to_normalized_disparity(65535, 16) - 38.914342 / 65.535 / 75) < 1e-6);
        // 8-bit maps are relative disparity: white = nearest (1), black = farthest (0.01/75).
        const std::vector<uint16_t> white(300 * 200, 255), mid(300 * 200, 51);
        QVERIFY(std::abs(preprocess_depth(white.data(), 300, 200, 8).min().item<double>() - 1.0) < 1e-6);
        QVERIFY(std::abs(preprocess_depth(mid.data(), 300, 200, 8).max().item<double>() - 0.2) < 1e-6);
        QVERIFY_THROWS_EXCEPTION(ibllm::Error, preprocess_depth(white.data(), 300, 200, 12));
    }

    void thermalScalesToUnitRangeAndCentreCrops() {
        // 448 x 224: already 224 high, so no resampling; the crop starts at x = 112.
        std::vector<uint16_t> ramp(448 * 224);
        for (int y = 0; y < 224; ++y)
            for (int x = 0; x < 448; ++x) ramp[y * 448 + x] = uint16_t(x / 2);
        const at::Tensor thermal = preprocess_thermal(ramp.data(), 448, 224, 8);
        QCOMPARE(thermal.sizes().vec(), (std::vector<int64_t>{1, 1, 224, 224}));
        QCOMPARE(thermal[0][0][5][0].item<float>(), float(56 / 255.0f));
        QCOMPARE(thermal[0][0][5][223].item<float>(), float(((223 + 112) / 2) / 255.0f));
        // 16-bit images use the full 16-bit range; a constant stays constant through the resize.
        const std::vector<uint16_t> warm(320 * 256, 32768);
        const at::Tensor scaled = preprocess_thermal(warm.data(), 320, 256, 16);
        QVERIFY(std::abs(scaled.min().item<double>() - 32768 / 65535.0) < 1e-6);
        QVERIFY(std::abs(scaled.max().item<double>() - 32768 / 65535.0) < 1e-6);
    }

    void imuResamplesLinearlyToTwoThousandSteps() {
        std::vector<std::array<float, 6>> samples(11);
        for (int i = 0; i < 11; ++i)
            for (int c = 0; c < 6; ++c) samples[i][c] = float(100 * c + 3 * i);
        const at::Tensor imu = preprocess_imu(samples);
        QCOMPARE(imu.sizes().vec(), (std::vector<int64_t>{1, 6, 2000}));
        double worst = 0;
        for (int c = 0; c < 6; ++c)
            for (int j = 0; j < 2000; ++j)
                worst = std::max(worst, std::abs(imu[0][c][j].item<double>() - (100.0 * c + 3.0 * 10.0 * j / 1999.0)));
        QVERIFY2(worst < 1e-4, qPrintable(QString::number(worst)));
        QCOMPARE(imu[0][5][1999].item<float>(), 530.0f);  // the last sample is kept exactly
        const at::Tensor single = preprocess_imu({{1, 2, 3, 4, 5, 6}});
        QCOMPARE(single[0][3].min().item<float>(), 4.0f);
        QCOMPARE(single[0][3].max().item<float>(), 4.0f);
        QVERIFY_THROWS_EXCEPTION(ibllm::Error, preprocess_imu({}));
        QVERIFY_THROWS_EXCEPTION(ibllm::Error, preprocess_imu({{0, 0, NAN, 0, 0, 0}}));
    }

    // ---- errors users can cause ----------------------------------------------------------

    void decodingErrorsNameTheFile() {
        QTemporaryDir dir;
        const std::string missing = dir.filePath("no_such_photo.jpg").toStdString();
        EXPECT_THROWS_NAMING(media::MediaError, missing, media::load_rgb_image(missing));

        const std::string empty = dir.filePath("empty_photo.jpg").toStdString();
        write_bytes(empty, "");
        EXPECT_THROWS_NAMING(media::MediaError, empty, media::load_rgb_image(empty));

        const std::string jpeg = read_bytes(imagebind("assets/bird_image.jpg"));
        const std::string truncated = dir.filePath("cut_photo.jpg").toStdString();
        write_bytes(truncated, jpeg.substr(0, jpeg.size() / 2));
        EXPECT_THROWS_NAMING(media::MediaError, truncated, media::load_rgb_image(truncated));
        EXPECT_THROWS_NAMING(media::MediaError, truncated, media::load_gray_image(truncated));

        const std::string text = dir.filePath("notes_not_image.png").toStdString();
        write_bytes(text, "These are meeting notes, not pixels.\n");
        EXPECT_THROWS_NAMING(media::MediaError, text, media::load_rgb_image(text));

        QImage small(16, 16, QImage::Format_RGB32);
        small.fill(Qt::red);
        const std::string png = dir.filePath("cut.png").toStdString();
        QVERIFY(small.save(QString::fromStdString(png)));
        const std::string png_bytes = read_bytes(png);
        write_bytes(png, png_bytes.substr(0, png_bytes.size() - 30));
        EXPECT_THROWS_NAMING(media::MediaError, png, media::load_rgb_image(png));

        EXPECT_THROWS_NAMING(media::MediaError, dir.path().toStdString(),
                             media::load_rgb_image(dir.path().toStdString()));
    }

    void tokenizerFileErrorsNameTheFile() {
        QTemporaryDir dir;
        const std::string missing = dir.filePath("missing_vocab.txt.gz").toStdString();
        EXPECT_THROWS_NAMING(ibllm::Error, missing, ClipTokenizer tok(missing));

        const std::string gz = read_bytes(imagebind("bpe_simple_vocab_16e6.txt.gz"));
        const std::string cut = dir.filePath("cut_vocab.txt.gz").toStdString();
        write_bytes(cut, gz.substr(0, gz.size() / 3));
        EXPECT_THROWS_NAMING(ibllm::Error, cut, ClipTokenizer tok(cut));

        const std::string wrong = dir.filePath("wrong_vocab.txt.gz").toStdString();
        write_bytes(wrong, "#version: 0.2\nthis is not\na merges list\n");
        EXPECT_THROWS_NAMING(ibllm::Error, wrong, ClipTokenizer tok(wrong));
    }
};

QTEST_GUILESS_MAIN(TestPreprocess)
#include "test_preprocess.moc"
