// ibllm-cli: the command-line assistant and its tools. The interface is fixed: other tools
// call it. Bad input exits with code 2 and one line on stderr.
#include <cstdlib>
#include <cstring>
#include <exception>
#include <iostream>
#include <string>

#include "app/cli/arguments.h"
#include "app/cli/commands.h"
#include "engine/engine.h"
#include "engine/error.h"

namespace {

const char* kUsage =
    "usage:\n"
    "  ibllm-cli ask (--model DIR | --llama DIR --tokenizer FILE --adapter FILE)\n"
    "      [--imagebind FILE [--imagebind-config FILE]]\n"
    "      [--cache FILE | --no-cache] [--cache-size 10] [--cache-t 20] [--cache-weight 0.5]\n"
    "      [--image|--audio|--video|--point|--depth|--thermal|--imu FILE]...\n"
    "      [--embedding MODALITY=FILE.npy]...  [--weight MODALITY=W]...\n"
    "      [--input TEXT] [--temperature 0.1] [--top-p 0.75] [--seed N] [--max-tokens 256]\n"
    "      [--precision fp32|bf16] [--weights bf16|int8|q4] [--threads N] [--context 2048]\n"
    "      [--language auto|en|zh] [--ids] [--verbose (the CPU's features and each product's path)]\n"
    "      PROMPT\n"
    "  ibllm-cli chat (--model DIR | --llama DIR --tokenizer FILE --adapter FILE) [the model and answer options of ask]\n"
    "      [--conversations FILE.sqlite | --no-save] [--continue ID]\n"
    "      questions from standard input, a line each (/attach FILE, /regenerate, /new, /quit, /help)\n"
    "  ibllm-cli serve (--model DIR | --llama DIR --tokenizer FILE --adapter FILE) [the model and answer options of ask]\n"
    "      [--host 127.0.0.1] [--port 8177] [--api-key KEY (or IBLLM_API_KEY)] [--max-queue 8] [--max-body-mb 64]\n"
    "      [--model-name NAME (the id clients send; default: the model folder's name)]\n"
    "      an OpenAI-compatible server: GET /v1/models, POST /v1/chat/completions, POST /v1/embeddings\n"
    "  ibllm-cli embed --imagebind FILE [--imagebind-config FILE]\n"
    "      (--image|--audio|--video|--point|--depth|--thermal|--imu FILE | --text TEXT) --out FILE.npy\n"
    "  ibllm-cli preprocess (--image|--audio|--video|--point FILE) [--reference] --out FILE.npy\n"
    "  ibllm-cli tokenize --tokenizer FILE [--bos] [--eos] TEXT\n"
    "  ibllm-cli inspect FILE\n"
    "  ibllm-cli make-demo DIR\n"
    "  ibllm-cli train pretrain|finetune --llama DIR --tokenizer FILE [--adapter FILE] --data FILE --out DIR ...\n"
    "      (ibllm-cli train --help lists the phases and every option)\n"
    "  ibllm-cli world make --out DIR --count N --seed S [--modalities image,audio,point,depth] [--split NAME]\n"
    "  ibllm-cli world eval --zero-shot --imagebind FILE --imagebind-config FILE --data DIR[,DIR...] [--json]\n"
    "  ibllm-cli cache build --imagebind FILE --imagebind-config FILE --data DIR[,DIR...] --out knn.index\n";

}  // namespace

int main(int argc, char** argv) {
    using namespace ibllm::cli;
    if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h")) {
        std::cout << kUsage;
        return argc < 2 ? 2 : 0;
    }
    const std::string command = argv[1];
    // Training's time is all in large products: its OpenMP threads never spin.
    ibllm::restart_with_openmp_waiting(argv, command == "train" ? ibllm::OpenMpWaiting::Passive : ibllm::OpenMpWaiting::Inference);
    try {
        if (command == "ask") return run_ask(argc, argv);
        if (command == "chat") return run_chat(argc, argv);
        if (command == "tokenize") return run_tokenize(argc, argv);
        if (command == "inspect") return run_inspect(argc, argv);
        if (command == "make-demo") return run_make_demo(argc, argv);
        if (command == "embed") return run_embed(argc, argv);
        if (command == "preprocess") return run_preprocess(argc, argv);
        if (command == "train") return run_train(argc, argv);
        if (command == "world") return run_world(argc, argv);
        if (command == "cache") return run_cache(argc, argv);
        if (command == "serve") return run_serve(argc, argv);
        std::cerr << "ibllm-cli: unknown command '" << command << "'; use ask, chat, serve, embed, preprocess, train, world, cache, tokenize, inspect or make-demo.\n";
        return 2;
    } catch (const UsageError& e) {
        std::cerr << "ibllm-cli " << command << ": " << e.what() << "\n";
        return 2;
    } catch (const ibllm::Error& e) {
        std::cerr << "ibllm-cli: " << e.what() << "\n";
        return 2;
    } catch (const std::exception& e) {
        // Anything else is a bug in this program, not the user's input.
        std::cerr << "ibllm-cli: internal error: " << e.what() << "\n";
        return 1;
    }
}
