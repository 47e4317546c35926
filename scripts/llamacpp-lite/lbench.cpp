// A minimal llama-bench on llama.cpp's public API, for builds that lack the tools
// (scripts/llamacpp-lite/build.sh): pp N is one batch of N random tokens from an empty cache,
// tg N is N single-token decodes from an empty cache, each timed REPEATS times after one
// warm-up, as llama-bench does. Flags as llama-bench's: -m FILE -t THREADS -p N[,N...] -n N
// -r REPEATS -mmp 0|1; prints llama-bench's JSON fields n_prompt, n_gen and avg_ts.
#include "llama.h"
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <algorithm>
#include <vector>
static double now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }
int main(int argc, char** argv) {
    const char* path = nullptr; int threads = 2, reps = 3, ngen = 64; bool mmap = true; std::vector<int> pps;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "-m") path = argv[++i];
        else if (a == "-t") threads = atoi(argv[++i]);
        else if (a == "-r") reps = atoi(argv[++i]);
        else if (a == "-n") ngen = atoi(argv[++i]);
        else if (a == "-p") {
            std::string list = argv[++i];
            for (size_t at = 0; at <= list.size();) {
                const size_t comma = list.find(',', at);
                pps.push_back(atoi(list.substr(at, comma == std::string::npos ? std::string::npos : comma - at).c_str()));
                if (comma == std::string::npos) break;
                at = comma + 1;
            }
        } else if (a == "-o") ++i;  // always JSON
        else if (a == "-mmp") mmap = atoi(argv[++i]) != 0;
    }
    if (pps.empty()) pps = {64, 256};
    llama_backend_init();
    auto mp = llama_model_default_params(); mp.load_mode = mmap ? LLAMA_LOAD_MODE_MMAP : LLAMA_LOAD_MODE_NONE; mp.n_gpu_layers = 0;
    llama_model* model = llama_model_load_from_file(path, mp);
    if (!model) { fprintf(stderr, "load failed\n"); return 1; }
    int maxp = 0; for (int p : pps) maxp = std::max(maxp, p);
    auto cp = llama_context_default_params(); cp.n_ctx = maxp + ngen; cp.n_batch = 2048; cp.n_ubatch = 512;
    cp.n_threads = threads; cp.n_threads_batch = threads; cp.no_perf = true;
    llama_context* ctx = llama_init_from_model(model, cp);
    const int nv = llama_vocab_n_tokens(llama_model_get_vocab(model));
    std::mt19937 rng(1);
    auto run = [&](int n, bool gen) {
        llama_memory_clear(llama_get_memory(ctx), true);
        std::vector<llama_token> toks(n); for (auto& t : toks) t = rng() % nv;
        double t0 = now();
        if (!gen) { llama_decode(ctx, llama_batch_get_one(toks.data(), n)); }
        else for (int i = 0; i < n; ++i) llama_decode(ctx, llama_batch_get_one(&toks[i], 1));
        llama_synchronize(ctx);
        return now() - t0;
    };
    printf("[\n");
    bool first = true;
    auto report = [&](int n, bool gen) {
        run(gen ? 1 : n, gen);  // warm-up
        double sum = 0, mn = 1e9, mx = 0;
        for (int r = 0; r < reps; ++r) { double ts = n / run(n, gen); sum += ts; mn = std::min(mn, ts); mx = std::max(mx, ts); }
        printf("%s  {\"n_prompt\": %d, \"n_gen\": %d, \"avg_ts\": %.3f, \"min_ts\": %.3f, \"max_ts\": %.3f}", first ? "" : ",\n",
               gen ? 0 : n, gen ? n : 0, sum / reps, mn, mx);
        first = false; fflush(stdout);
    };
    for (int p : pps) report(p, false);
    if (ngen > 0) report(ngen, true);
    printf("\n]\n");
    fprintf(stderr, "flash_attn %s, system: %s\n", llama_flash_attn_type_name(cp.flash_attn_type), llama_print_system_info());
    llama_free(ctx); llama_model_free(model);
}
