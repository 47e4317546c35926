#pragma once
// A plain HTTP/1.1 client on POSIX sockets for the server's tests and `ibllm-bench serve`: it sends exactly the bytes a
// test gives (so malformed and oversized requests can be sent too), reads the reply to the end
// (Connection: close) and undoes chunked transfer encoding. A test that must leave mid-answer
// reads raw bytes with HttpStream and closes the socket itself.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <map>
#include <string>

namespace ibllm::test {

struct HttpReply {
    int status = 0;  // 0: no reply (connection refused, timed out)
    std::map<std::string, std::string> headers;  // names in lower case
    std::string body;
};

inline std::string dechunk(const std::string& raw) {
    std::string out;
    size_t at = 0;
    while (at < raw.size()) {
        const size_t eol = raw.find("\r\n", at);
        if (eol == std::string::npos) break;
        const size_t n = std::stoul(raw.substr(at, eol - at), nullptr, 16);
        if (n == 0) break;
        out += raw.substr(eol + 2, n);
        at = eol + 2 + n + 2;
    }
    return out;
}

inline HttpReply parse_reply(const std::string& raw) {
    HttpReply r;
    const size_t end = raw.find("\r\n\r\n");
    if (raw.rfind("HTTP/1.1 ", 0) != 0 || end == std::string::npos) return r;
    r.status = std::stoi(raw.substr(9, 3));
    size_t line = raw.find("\r\n") + 2;
    while (line < end) {
        const size_t eol = raw.find("\r\n", line);
        const std::string h = raw.substr(line, eol - line);
        const size_t colon = h.find(':');
        if (colon != std::string::npos) {
            std::string name = h.substr(0, colon);
            std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return char(std::tolower(c)); });
            r.headers[name] = h.substr(h.find_first_not_of(' ', colon + 1));
        }
        line = eol + 2;
    }
    r.body = raw.substr(end + 4);
    if (r.headers["transfer-encoding"] == "chunked") r.body = dechunk(r.body);
    return r;
}

class HttpStream {
public:
    explicit HttpStream(int port) {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(static_cast<uint16_t>(port));
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) close();
    }
    ~HttpStream() { close(); }
    HttpStream(const HttpStream&) = delete;
    HttpStream& operator=(const HttpStream&) = delete;

    bool ok() const { return fd_ >= 0; }
    bool send(const std::string& bytes) {
        size_t done = 0;
        while (fd_ >= 0 && done < bytes.size()) {
            const ssize_t n = ::send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
            if (n <= 0) return false;
            done += size_t(n);
        }
        return fd_ >= 0;
    }
    // Appends what arrives within `timeout_ms`: 1 when something came, 0 when nothing did,
    // -1 at the end of the stream.
    int read_some(std::string& into, int timeout_ms) {
        if (fd_ < 0) return -1;
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, timeout_ms) <= 0) return 0;
        char buf[65536];
        const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
        if (n <= 0) return -1;
        into.append(buf, size_t(n));
        return 1;
    }
    void close() {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }

private:
    int fd_ = -1;
};

inline std::string http_request_bytes(const std::string& method, const std::string& path, const std::string& body,
                                      const std::string& extra_headers = {}) {
    std::string r = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" + extra_headers;
    if (!body.empty() || method == "POST")
        r += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
    return r + "\r\n" + body;
}

inline HttpReply http_request(int port, const std::string& method, const std::string& path, const std::string& body = {},
                              const std::string& extra_headers = {}, int timeout_ms = 120000) {
    HttpStream s(port);
    if (!s.ok() || !s.send(http_request_bytes(method, path, body, extra_headers))) return {};
    std::string raw;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (std::chrono::steady_clock::now() < deadline && s.read_some(raw, 1000) >= 0) {
    }
    return parse_reply(raw);
}

}  // namespace ibllm::test
