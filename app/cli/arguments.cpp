#include "app/cli/arguments.h"

#include <cstdlib>

namespace ibllm::cli {

Arguments::Arguments(int argc, char** argv, int first, const std::set<std::string>& valued, const std::set<std::string>& flags) {
    bool only_positionals = false;
    for (int i = first; i < argc; ++i) {
        std::string a = argv[i];
        if (only_positionals || a.size() < 3 || a.compare(0, 2, "--") != 0) {
            positionals_.push_back(a);
            continue;
        }
        if (a == "--") {
            only_positionals = true;
            continue;
        }
        std::string name = a.substr(2), value;
        const size_t eq = name.find('=');
        const bool inline_value = eq != std::string::npos;
        if (inline_value) {
            value = name.substr(eq + 1);
            name = name.substr(0, eq);
        }
        if (flags.count(name)) {
            if (inline_value) throw UsageError("--" + name + " takes no value.");
            options_.emplace_back(name, "");
        } else if (valued.count(name)) {
            if (!inline_value) {
                if (i + 1 >= argc) throw UsageError("--" + name + " needs a value.");
                value = argv[++i];
            }
            options_.emplace_back(name, value);
        } else {
            throw UsageError("Unknown option --" + name + "; run with --help for the list.");
        }
    }
}

bool Arguments::has(const std::string& name) const {
    for (const auto& o : options_)
        if (o.first == name) return true;
    return false;
}

std::string Arguments::get(const std::string& name, const std::string& fallback) const {
    std::string v = fallback;
    for (const auto& o : options_)
        if (o.first == name) v = o.second;
    return v;
}

std::string Arguments::require(const std::string& name) const {
    if (!has(name)) throw UsageError("--" + name + " is required.");
    return get(name);
}

double Arguments::get_double(const std::string& name, double fallback) const {
    if (!has(name)) return fallback;
    const std::string s = get(name);
    char* end = nullptr;
    const double v = std::strtod(s.c_str(), &end);
    if (s.empty() || *end != '\0') throw UsageError("--" + name + " needs a number, not '" + s + "'.");
    return v;
}

long long Arguments::get_int(const std::string& name, long long fallback) const {
    if (!has(name)) return fallback;
    const std::string s = get(name);
    char* end = nullptr;
    const long long v = std::strtoll(s.c_str(), &end, 10);
    if (s.empty() || *end != '\0') throw UsageError("--" + name + " needs a whole number, not '" + s + "'.");
    return v;
}

std::pair<std::string, std::string> split_assignment(const std::string& option, const std::string& text) {
    const size_t eq = text.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == text.size())
        throw UsageError("--" + option + " expects MODALITY=VALUE, not '" + text + "'.");
    return {text.substr(0, eq), text.substr(eq + 1)};
}

}  // namespace ibllm::cli
