#include "app/server/chat_completion_request.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>

#include "app/attachment_types.h"

namespace ibllm::app {

namespace {

using json = nlohmann::json;

// Thrown inside the parser only; parse_chat_completion_request() turns it into its result.
struct Invalid {
    std::string message, param;
    int status = 400;  // 413 for a file over the size limit
};

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

// "room.depth.png" -> depth; "scan.ply" -> point; the part's "modality" field wins.
Modality modality_of(const std::string& filename, const json& part, const std::string& param) {
    if (part.contains("modality")) {
        if (!part["modality"].is_string()) throw Invalid{"\"modality\" must be a string such as \"depth\".", param + ".modality"};
        const std::string name = part["modality"].get<std::string>();
        Modality m;
        try {
            m = parse_modality(name);
        } catch (const std::exception&) {
            throw Invalid{"Unknown \"modality\" \"" + name + "\": use image, video, audio, point, depth, thermal or imu.",
                          param + ".modality"};
        }
        if (m == Modality::Text) throw Invalid{"Text is sent as a text part, not as a file.", param + ".modality"};
        return m;
    }
    const std::string name = lower(filename);
    for (const auto& [tag, m] : {std::pair{".depth.", Modality::Depth}, std::pair{".thermal.", Modality::Thermal}})
        if (name.find(tag) != std::string::npos) return m;
    if (const auto guessed = guess_modality(name)) return *guessed;
    throw Invalid{"The file \"" + filename +
                      "\" has a type this server does not read; name it with its extension (.png, .wav, .mp4, .ply, "
                      ".csv, ...), or add \"modality\" to the part.",
                  param};
}

std::string field(const std::string& param, const char* key) { return param.empty() ? key : param + "." + key; }

const json& member(const json& object, const char* key, const std::string& param) {
    if (!object.is_object() || !object.contains(key))
        throw Invalid{"\"" + std::string(key) + "\" is missing.", field(param, key)};
    return object[key];
}

std::string string_member(const json& object, const char* key, const std::string& param) {
    const json& v = member(object, key, param);
    if (!v.is_string()) throw Invalid{"\"" + std::string(key) + "\" must be a string.", field(param, key)};
    return v.get<std::string>();
}

double number(const json& v, const std::string& param, double lo, double hi) {
    if (!v.is_number()) throw Invalid{"\"" + param + "\" must be a number.", param};
    const double d = v.get<double>();
    if (!std::isfinite(d) || d < lo || d > hi)
        throw Invalid{"\"" + param + "\" must be between " + json(lo).dump() + " and " + json(hi).dump() + ".", param};
    return d;
}

int64_t integer(const json& v, const std::string& param, int64_t lo, int64_t hi) {
    if (!v.is_number_integer() && !v.is_number_unsigned())
        throw Invalid{"\"" + param + "\" must be an integer.", param};
    if (v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(hi))
        throw Invalid{"\"" + param + "\" must be at most " + std::to_string(hi) + ".", param};
    const int64_t i = v.is_number_unsigned() ? static_cast<int64_t>(v.get<uint64_t>()) : v.get<int64_t>();
    if (i < lo || i > hi)
        throw Invalid{"\"" + param + "\" must be between " + std::to_string(lo) + " and " + std::to_string(hi) + ".", param};
    return i;
}

struct FileBudget {
    const RequestLimits& limits;
    int files = 0;
};

RequestFile make_file(std::string filename, std::string bytes, const json& part, const std::string& param,
                      FileBudget& budget) {
    if (++budget.files > budget.limits.max_files)
        throw Invalid{"A request may carry at most " + std::to_string(budget.limits.max_files) + " files.", param};
    if (static_cast<int64_t>(bytes.size()) > budget.limits.max_file_bytes)
        throw Invalid{"The file \"" + filename + "\" is larger than " + std::to_string(budget.limits.max_file_bytes >> 20) +
                          " MB, the most one file may be; send a smaller file.",
                      param, 413};
    if (bytes.empty()) throw Invalid{"The file \"" + filename + "\" is empty.", param};
    RequestFile f;
    f.modality = modality_of(filename, part, param);
    f.filename = std::move(filename);
    f.bytes = std::move(bytes);
    return f;
}

std::string decoded_or_fail(std::string_view data, const std::string& param) {
    if (auto url = parse_data_url(data)) return std::move(url->bytes);
    if (auto raw = decode_base64(data)) return std::move(*raw);
    throw Invalid{"The file data is neither base64 nor a data: URL.", param};
}

// One content part of a user message: text goes to `text`, a file to `files`.
void read_part(const json& part, const std::string& param, std::string& text, std::vector<RequestFile>& files,
               FileBudget& budget) {
    if (!part.is_object()) throw Invalid{"A content part must be an object with a \"type\".", param};
    const std::string type = string_member(part, "type", param);
    if (type == "text") {
        if (!text.empty()) text += "\n";
        text += string_member(part, "text", param);
    } else if (type == "image_url") {
        const json& image = member(part, "image_url", param);
        const std::string url = image.is_string() ? image.get<std::string>() : string_member(image, "url", param + ".image_url");
        auto data = parse_data_url(url);
        if (!data)
            throw Invalid{"Images must come as data: URLs (data:image/png;base64,...); this server does not fetch URLs.",
                          param + ".image_url"};
        std::string ext = "png";
        if (data->mime.rfind("image/", 0) == 0) ext = lower(data->mime.substr(6));
        if (ext == "jpg") ext = "jpeg";
        files.push_back(make_file("image." + ext, std::move(data->bytes), image.is_object() ? image : json::object(),
                                  param + ".image_url", budget));
    } else if (type == "input_audio") {
        const json& audio = member(part, "input_audio", param);
        const std::string format = lower(string_member(audio, "format", param + ".input_audio"));
        if (format != "wav" && format != "mp3")
            throw Invalid{"input_audio's \"format\" must be \"wav\" or \"mp3\".", param + ".input_audio.format"};
        files.push_back(make_file("audio." + format,
                                  decoded_or_fail(string_member(audio, "data", param + ".input_audio"), param + ".input_audio.data"),
                                  audio, param + ".input_audio", budget));
    } else if (type == "file") {
        const json& file = member(part, "file", param);
        if (file.is_object() && file.contains("file_id"))
            throw Invalid{"This server keeps no uploaded files: send the file's bytes as \"file_data\".", param + ".file.file_id"};
        std::string filename = string_member(file, "filename", param + ".file");
        if (file_extension(filename).empty() && !file.contains("modality"))
            throw Invalid{"The file \"" + filename + "\" has no extension to tell what it holds.", param + ".file.filename"};
        files.push_back(make_file(std::move(filename),
                                  decoded_or_fail(string_member(file, "file_data", param + ".file"), param + ".file.file_data"),
                                  file, param + ".file", budget));
    } else {
        throw Invalid{"Unknown content part type \"" + type + "\": use text, image_url, input_audio or file.", param + ".type"};
    }
}

RequestMessage read_message(const json& m, const std::string& param, FileBudget& budget) {
    if (!m.is_object()) throw Invalid{"Each message must be an object with \"role\" and \"content\".", param};
    RequestMessage out;
    const std::string role = string_member(m, "role", param);
    if (role == "system" || role == "developer")
        out.role = RequestMessage::Role::System;
    else if (role == "user")
        out.role = RequestMessage::Role::User;
    else if (role == "assistant")
        out.role = RequestMessage::Role::Assistant;
    else
        throw Invalid{"Unknown role \"" + role + "\": use system, user or assistant.", param + ".role"};
    if (!m.contains("content") || m["content"].is_null()) {
        if (out.role == RequestMessage::Role::Assistant) return out;  // e.g. a tool call's turn
        throw Invalid{"\"content\" is missing.", param + ".content"};
    }
    const json& content = m["content"];
    if (content.is_string()) {
        out.text = content.get<std::string>();
    } else if (content.is_array()) {
        for (size_t i = 0; i < content.size(); ++i) {
            const std::string part_param = param + ".content[" + std::to_string(i) + "]";
            const size_t before = out.files.size();
            read_part(content[i], part_param, out.text, out.files, budget);
            if (out.files.size() != before && out.role != RequestMessage::Role::User)
                throw Invalid{"Only user messages may carry files.", part_param};
        }
    } else {
        throw Invalid{"\"content\" must be a string or an array of content parts.", param + ".content"};
    }
    return out;
}

ChatCompletionRequest read_request(const json& body, const RequestLimits& limits, const ChatCompletionRequest& defaults) {
    if (!body.is_object()) throw Invalid{"The request body must be a JSON object.", ""};
    ChatCompletionRequest r;
    r.sampling = defaults.sampling;
    r.cache = defaults.cache;
    if (body.contains("model") && !body["model"].is_null()) {
        if (!body["model"].is_string()) throw Invalid{"\"model\" must be a string.", "model"};
        r.model = body["model"].get<std::string>();
    }
    const json& messages = member(body, "messages", "");
    if (!messages.is_array() || messages.empty())
        throw Invalid{"\"messages\" must be a non-empty array.", "messages"};
    FileBudget budget{limits};
    for (size_t i = 0; i < messages.size(); ++i)
        r.messages.push_back(read_message(messages[i], "messages[" + std::to_string(i) + "]", budget));
    if (r.messages.back().role != RequestMessage::Role::User)
        throw Invalid{"The last message must be the user's: it is what the model answers.", "messages"};

    const auto given = [&](const char* key) { return body.contains(key) && !body[key].is_null(); };
    if (given("stream")) {
        if (!body["stream"].is_boolean()) throw Invalid{"\"stream\" must be true or false.", "stream"};
        r.stream = body["stream"].get<bool>();
    }
    if (given("stream_options")) {
        const json& o = body["stream_options"];
        if (!o.is_object()) throw Invalid{"\"stream_options\" must be an object.", "stream_options"};
        if (o.contains("include_usage")) {
            if (!o["include_usage"].is_boolean())
                throw Invalid{"\"include_usage\" must be true or false.", "stream_options.include_usage"};
            r.include_usage = o["include_usage"].get<bool>();
        }
    }
    if (given("temperature")) r.sampling.temperature = number(body["temperature"], "temperature", 0.0, 2.0);
    if (given("top_p")) r.sampling.top_p = number(body["top_p"], "top_p", 0.0, 1.0);
    if (given("max_tokens")) r.sampling.max_tokens = static_cast<int>(integer(body["max_tokens"], "max_tokens", 1, 1 << 20));
    if (given("max_completion_tokens"))  // the newer name wins
        r.sampling.max_tokens =
            static_cast<int>(integer(body["max_completion_tokens"], "max_completion_tokens", 1, 1 << 20));
    if (given("seed")) {
        const json& s = body["seed"];
        if (s.is_number_unsigned())
            r.sampling.seed = s.get<uint64_t>();
        else if (s.is_number_integer())
            r.sampling.seed = static_cast<uint64_t>(s.get<int64_t>());
        else
            throw Invalid{"\"seed\" must be an integer.", "seed"};
    }
    if (given("n") && integer(body["n"], "n", 1, 1 << 20) != 1)
        throw Invalid{"This server writes one answer per request: \"n\" must be 1.", "n"};
    if (given("stop")) {
        const json& s = body["stop"];
        if (s.is_string()) {
            r.stop.push_back(s.get<std::string>());
        } else if (s.is_array() && s.size() <= 4) {
            for (size_t i = 0; i < s.size(); ++i) {
                if (!s[i].is_string()) throw Invalid{"\"stop\" must hold strings.", "stop[" + std::to_string(i) + "]"};
                r.stop.push_back(s[i].get<std::string>());
            }
        } else {
            throw Invalid{"\"stop\" must be a string or an array of up to 4 strings.", "stop"};
        }
        r.stop.erase(std::remove(r.stop.begin(), r.stop.end(), std::string()), r.stop.end());
    }
    if (given("fusion_weights")) {
        const json& w = body["fusion_weights"];
        if (!w.is_array()) throw Invalid{"\"fusion_weights\" must be an array of numbers.", "fusion_weights"};
        const size_t files = r.messages.back().files.size();
        if (w.size() != files)
            throw Invalid{"\"fusion_weights\" has " + std::to_string(w.size()) + " weights for the " + std::to_string(files) +
                              " files of the last user message.",
                          "fusion_weights"};
        for (size_t i = 0; i < w.size(); ++i)
            r.fusion_weights.push_back(number(w[i], "fusion_weights[" + std::to_string(i) + "]", 0.0, 1e6));
    }
    if (given("visual_cache")) {
        const json& c = body["visual_cache"];
        if (!c.is_object()) throw Invalid{"\"visual_cache\" must be an object.", "visual_cache"};
        if (c.contains("enabled")) {
            if (!c["enabled"].is_boolean()) throw Invalid{"\"enabled\" must be true or false.", "visual_cache.enabled"};
            r.cache.enabled = c["enabled"].get<bool>();
        }
        if (c.contains("k")) r.cache.k = static_cast<int>(integer(c["k"], "visual_cache.k", 1, 1000));
        if (c.contains("t")) r.cache.t = number(c["t"], "visual_cache.t", 0.0, 1e6);
        if (c.contains("w")) r.cache.w = number(c["w"], "visual_cache.w", 0.0, 1.0);
    }
    return r;
}

EmbeddingsRequest read_embeddings(const json& body, const RequestLimits& limits) {
    if (!body.is_object()) throw Invalid{"The request body must be a JSON object.", ""};
    EmbeddingsRequest r;
    if (body.contains("model") && !body["model"].is_null()) {
        if (!body["model"].is_string()) throw Invalid{"\"model\" must be a string.", "model"};
        r.model = body["model"].get<std::string>();
    }
    if (body.contains("encoding_format") && !body["encoding_format"].is_null()) {
        const json& f = body["encoding_format"];
        if (f == "base64")
            r.base64 = true;
        else if (f != "float")
            throw Invalid{"\"encoding_format\" must be \"float\" or \"base64\".", "encoding_format"};
    }
    const json& input = member(body, "input", "");
    FileBudget budget{limits};
    const auto add = [&](const json& item, const std::string& param) {
        if (item.is_string()) {
            if (item.get<std::string>().empty()) throw Invalid{"A text to embed is empty.", param};
            r.inputs.emplace_back(item.get<std::string>());
            return;
        }
        if (item.is_number())
            throw Invalid{"This server embeds text, not token ids: send the text as a string.", param};
        std::string text;
        std::vector<RequestFile> files;
        read_part(item, param, text, files, budget);
        if (files.empty())
            r.inputs.emplace_back(std::move(text));
        else
            r.inputs.emplace_back(std::move(files.front()));
    };
    if (input.is_array()) {
        if (input.empty()) throw Invalid{"\"input\" is an empty array: give at least one text or file.", "input"};
        if (input.size() > 2048) throw Invalid{"\"input\" may hold at most 2048 items.", "input"};
        for (size_t i = 0; i < input.size(); ++i) add(input[i], "input[" + std::to_string(i) + "]");
    } else {
        add(input, "input");
    }
    return r;
}

template <typename Result, typename Read>
std::variant<Result, RequestError> parse_body(std::string_view body, const Read& read) {
    json parsed;
    try {
        parsed = json::parse(body.begin(), body.end());
    } catch (const json::exception& e) {
        RequestError err;
        err.message = std::string("The request body is not valid JSON: ") + e.what();
        return err;
    }
    try {
        return read(parsed);
    } catch (const Invalid& invalid) {
        RequestError err;
        err.message = invalid.message;
        err.param = invalid.param;
        err.status = invalid.status;
        return err;
    } catch (const json::exception& e) {  // a type mismatch the checks did not foresee
        RequestError err;
        err.message = std::string("The request does not have the expected shape: ") + e.what();
        return err;
    }
}

int base64_value(unsigned char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

}  // namespace

std::optional<std::string> decode_base64(std::string_view text) {
    std::string out;
    out.reserve(text.size() / 4 * 3);
    uint32_t bits = 0;
    int have = 0, padding = 0;
    for (const char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        if (c == '\n' || c == '\r') continue;
        if (c == '=') {
            ++padding;
            continue;
        }
        if (padding > 0) return std::nullopt;  // data after padding
        const int v = base64_value(c);
        if (v < 0) return std::nullopt;
        bits = (bits << 6) | static_cast<uint32_t>(v);
        if (++have == 4) {
            out.push_back(static_cast<char>((bits >> 16) & 0xFF));
            out.push_back(static_cast<char>((bits >> 8) & 0xFF));
            out.push_back(static_cast<char>(bits & 0xFF));
            bits = 0;
            have = 0;
        }
    }
    if (have == 1 || padding > 2 || (padding > 0 && have + padding != 4)) return std::nullopt;
    if (have == 2) out.push_back(static_cast<char>((bits >> 4) & 0xFF));
    if (have == 3) {
        out.push_back(static_cast<char>((bits >> 10) & 0xFF));
        out.push_back(static_cast<char>((bits >> 2) & 0xFF));
    }
    return out;
}

std::optional<DataUrl> parse_data_url(std::string_view url) {
    if (url.size() < 5 || lower(std::string(url.substr(0, 5))) != "data:") return std::nullopt;
    const size_t comma = url.find(',');
    if (comma == std::string_view::npos) return std::nullopt;
    std::string header = lower(std::string(url.substr(5, comma - 5)));
    constexpr std::string_view kBase64 = ";base64";
    if (header.size() < kBase64.size() || header.compare(header.size() - kBase64.size(), kBase64.size(), kBase64) != 0)
        return std::nullopt;  // percent-encoded data is not a way files arrive
    header.resize(header.size() - kBase64.size());
    auto bytes = decode_base64(url.substr(comma + 1));
    if (!bytes) return std::nullopt;
    DataUrl out;
    out.mime = header.substr(0, header.find(';'));
    out.bytes = std::move(*bytes);
    return out;
}

std::variant<ChatCompletionRequest, RequestError> parse_chat_completion_request(std::string_view body,
                                                                                const RequestLimits& limits,
                                                                                const ChatCompletionRequest& defaults) {
    return parse_body<ChatCompletionRequest>(body, [&](const json& j) { return read_request(j, limits, defaults); });
}

std::variant<EmbeddingsRequest, RequestError> parse_embeddings_request(std::string_view body,
                                                                       const RequestLimits& limits) {
    return parse_body<EmbeddingsRequest>(body, [&](const json& j) { return read_embeddings(j, limits); });
}

std::string encode_base64(std::string_view bytes) {
    static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    size_t i = 0;
    for (; i + 3 <= bytes.size(); i += 3) {
        const uint32_t v = uint32_t(uint8_t(bytes[i])) << 16 | uint32_t(uint8_t(bytes[i + 1])) << 8 | uint8_t(bytes[i + 2]);
        for (int shift : {18, 12, 6, 0}) out.push_back(kAlphabet[(v >> shift) & 63]);
    }
    if (const size_t rest = bytes.size() - i) {
        const uint32_t v = uint32_t(uint8_t(bytes[i])) << 16 | (rest == 2 ? uint32_t(uint8_t(bytes[i + 1])) << 8 : 0);
        out.push_back(kAlphabet[(v >> 18) & 63]);
        out.push_back(kAlphabet[(v >> 12) & 63]);
        out.push_back(rest == 2 ? kAlphabet[(v >> 6) & 63] : '=');
        out.push_back('=');
    }
    return out;
}

}  // namespace ibllm::app
