// libFuzzer harness: the training data loaders (engine/train/training_data) on any bytes. The
// first byte picks the format (a pre-training CSV, a fine-tuning JSON, a YAML data config
// whose META names the other two, or the base phase's text lines); the rest is the file.
// A small folder holds one media file (a.npy) and one valid file of each format, so rows that
// name them get past the existence checks and reach the rest of the parser. Any input must
// give examples or an Error naming the file, never a crash, a hang or a runaway allocation.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "engine/error.h"
#include "engine/train/training_data.h"
#include "memory_file.h"

namespace {

namespace fs = std::filesystem;

void write(const fs::path& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

const fs::path& folder() {
    static const fs::path dir = [] {
        const fs::path d = fs::temp_directory_path() / ("ibllm-fuzz-training-" + std::to_string(::getpid()));
        fs::create_directories(d);
        write(d / "a.npy", "\x93NUMPY");
        write(d / "d.csv", "url\tcaption\na.npy\ta red cube\n");
        write(d / "d.json", R"([{"instruction": "Name it.", "input": "", "output": "A cube."}])");
        return d;
    }();
    return dir;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    const std::string bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
    using ibllm::TrainingPhase;
    switch (data[0] % 4) {
        case 0:
            write(folder() / "data.csv", bytes);
            survive<ibllm::Error>([] { (void)ibllm::read_training_data((folder() / "data.csv").string(), TrainingPhase::Pretrain); });
            break;
        case 1:
            write(folder() / "data.json", bytes);
            survive<ibllm::Error>([] { (void)ibllm::read_training_data((folder() / "data.json").string(), TrainingPhase::Finetune); });
            break;
        case 2:
            write(folder() / "data.yaml", bytes);
            survive<ibllm::Error>([] { (void)ibllm::read_training_data((folder() / "data.yaml").string(), TrainingPhase::Pretrain); });
            survive<ibllm::Error>([] { (void)ibllm::read_training_data((folder() / "data.yaml").string(), TrainingPhase::Finetune); });
            break;
        default:
            write(folder() / "data.txt", bytes);
            survive<ibllm::Error>([] { (void)ibllm::read_text_data({(folder() / "data.txt").string()}); });
            break;
    }
    return 0;
}
