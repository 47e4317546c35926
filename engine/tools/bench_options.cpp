// Reading ibllm-bench's options (bench_run.h).
#include <sstream>

#include "engine/error.h"
#include "engine/tools/bench_run.h"

namespace ibllm::bench {

std::string get(const Options& o, const std::string& key, const std::string& fallback) {
    const auto it = o.find(key);
    return it == o.end() ? fallback : it->second;
}
bool flag(const Options& o, const std::string& key) { return o.count(key) != 0; }

int get_int(const Options& o, const std::string& key, int fallback) {
    const std::string v = get(o, key, "");
    if (v.empty()) return fallback;
    try {
        size_t used = 0;
        const int n = std::stoi(v, &used);
        if (used == v.size()) return n;
    } catch (const std::exception&) {
    }
    throw Error("--" + key + " needs a whole number, not '" + v + "'.");
}

std::vector<std::string> split(const std::string& s) {
    std::vector<std::string> out;
    std::stringstream in(s);
    std::string item;
    while (std::getline(in, item, ','))
        if (!item.empty()) out.push_back(item);
    return out;
}

}  // namespace ibllm::bench
