#pragma once
// A small command-line parser: options keep their order (attachments are fused in the
// order given), repeated options are allowed, and anything malformed is a UsageError.
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace ibllm::cli {

struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

class Arguments {
public:
    // `valued` lists the options that take a value, `flags` those that don't.
    Arguments(int argc, char** argv, int first, const std::set<std::string>& valued, const std::set<std::string>& flags);

    bool has(const std::string& name) const;
    std::string get(const std::string& name, const std::string& fallback = "") const;  // the last occurrence
    std::string require(const std::string& name) const;
    double get_double(const std::string& name, double fallback) const;
    long long get_int(const std::string& name, long long fallback) const;
    // Every (option, value) in command-line order.
    const std::vector<std::pair<std::string, std::string>>& options() const { return options_; }
    const std::vector<std::string>& positionals() const { return positionals_; }

private:
    std::vector<std::pair<std::string, std::string>> options_;
    std::vector<std::string> positionals_;
};

// "image=dog.npy" -> {"image", "dog.npy"}
std::pair<std::string, std::string> split_assignment(const std::string& option, const std::string& text);

}  // namespace ibllm::cli
