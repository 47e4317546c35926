#include "engine/train/data_parallel.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/FileStore.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include <algorithm>
#include <numeric>

#include "engine/engine.h"
#include "engine/error.h"

namespace ibllm {

namespace {

using Clock = std::chrono::steady_clock;

bool is_loopback(const std::string& address) {
    return address == "127.0.0.1" || address == "localhost" || address == "::1" || address.rfind("127.", 0) == 0;
}

std::string key_for(int rank) { return "ibllm/done/" + std::to_string(rank); }
std::string alive_key(int rank) { return "ibllm/alive/" + std::to_string(rank); }

int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::string text(int64_t v) { return std::to_string(v); }
std::vector<uint8_t> bytes(const std::string& s) { return std::vector<uint8_t>(s.begin(), s.end()); }
int64_t number(const std::vector<uint8_t>& v) { return std::stoll(std::string(v.begin(), v.end())); }

constexpr int64_t kBucketBytes = 25 << 20;  // DDP's default bucket size

}  // namespace

std::vector<int64_t> shard_indices(int64_t n, int world_size, int rank, bool shuffle, uint64_t seed, int epoch) {
    std::vector<int64_t> order(n);
    if (shuffle) {
        at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(seed + static_cast<uint64_t>(epoch));
        const at::Tensor perm = at::randperm(n, gen, at::kLong);
        std::copy_n(perm.data_ptr<int64_t>(), n, order.begin());
    } else {
        std::iota(order.begin(), order.end(), 0);
    }
    // Padding to a multiple of the world size by repeating the start (drop_last=False).
    const int64_t per_rank = (n + world_size - 1) / world_size;
    const int64_t total = per_rank * world_size;
    for (int64_t i = n; i < total; ++i) order.push_back(order[(i - n) % n]);
    std::vector<int64_t> mine;
    for (int64_t i = rank; i < total; i += world_size) mine.push_back(order[i]);
    return mine;
}

namespace {

// The ranks' meeting place: a FileStore at the rendezvous file for a run on one machine (no
// port opened; numWorkers -1: the launcher removes the file), else a TCPStore served by rank 0.
// `rendezvous`: a rank's first connection, which counts itself in (rank 0's serves the store
// and waits for every rank); later connections (the heartbeat's) only talk to it.
c10::intrusive_ptr<c10d::Store> open_store(const TrainOptions& o, bool rendezvous, std::chrono::milliseconds timeout) {
    c10::intrusive_ptr<c10d::Store> store;
    if (!o.rendezvous_file.empty()) {
        store = c10::make_intrusive<c10d::FileStore>(o.rendezvous_file, -1);
        store->setTimeout(timeout);
        return store;
    }
    c10d::TCPStoreOptions so;
    so.port = static_cast<uint16_t>(o.master_port);
    so.isServer = rendezvous && o.rank == 0;
    if (rendezvous) {
        so.numWorkers = static_cast<size_t>(o.world_size);
        so.waitWorkers = true;
    }
    so.timeout = timeout;
    return c10::make_intrusive<c10d::TCPStore>(o.master_addr, so);
}

}  // namespace

DataParallel::DataParallel(const TrainOptions& o)
    : rank_(o.rank), world_(o.world_size), address_(o.master_addr + ":" + std::to_string(o.master_port)),
      timeout_(std::chrono::milliseconds(static_cast<int64_t>(o.timeout_s) * 1000)) {
    if (world_ < 1 || rank_ < 0 || rank_ >= world_)
        throw Error("RANK " + std::to_string(rank_) + " does not fit WORLD_SIZE " + std::to_string(world_) +
                    "; ranks run from 0 to WORLD_SIZE - 1.");
    if (world_ == 1) return;
    if (o.backend == "nccl")
        throw Error("This build has no NCCL (Debian's libtorch is CPU-only); use --backend gloo.");
    if (o.backend != "gloo") throw Error("Unknown --backend '" + o.backend + "'; use gloo.");
    if (o.master_port < 1 || o.master_port > 65535) throw Error("MASTER_PORT must be between 1 and 65535.");
    file_store_ = !o.rendezvous_file.empty();
    if (file_store_) address_ = o.rendezvous_file;
    try {
        store_ = open_store(o, true, timeout_);
    } catch (const std::exception& e) {
        if (file_store_)
            throw Error("Rank " + std::to_string(rank_) + " could not open the rendezvous file " + o.rendezvous_file + " (" + e.what() +
                        "); check that the output folder is writable.");
        if (rank_ == 0)
            throw Error("Rank 0 waited " + std::to_string(o.timeout_s) + " s at " + address_ + " for " + std::to_string(world_) +
                        " processes, but not all arrived (" + e.what() + "); start every rank, or use --nproc.");
        throw Error("Rank " + std::to_string(rank_) + " could not reach rank 0 at " + address_ + " within " +
                    std::to_string(o.timeout_s) + " s (" + e.what() + "); start rank 0, or check MASTER_ADDR and MASTER_PORT.");
    }
    auto options = c10d::ProcessGroupGloo::Options::create(timeout_);
    // The transport binds to the rendezvous address's side: loopback for a local run. On a
    // machine with several interfaces GLOO_SOCKET_IFNAME picks one, as in PyTorch.
    if (const char* ifname = std::getenv("GLOO_SOCKET_IFNAME"); ifname && *ifname)
        options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(ifname));
    else if (file_store_ || is_loopback(o.master_addr))
        options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
    else
        options->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
    options->threads = 2;
    try {
        group_ = c10::make_intrusive<c10d::ProcessGroupGloo>(store_, rank_, world_, options);
    } catch (const std::exception& e) {
        throw Error("Rank " + std::to_string(rank_) + " could not connect to the other ranks through " + address_ + " (" + e.what() +
                    "); check that every rank can reach the others.");
    }
    mark(-1);
    start_heartbeat(o);
}

void DataParallel::start_heartbeat(const TrainOptions& o) {
    // Its own connection: the heartbeat thread must not share the store with the collectives.
    c10::intrusive_ptr<c10d::Store> store = open_store(o, false, timeout_);
    store->set(alive_key(rank_), bytes(text(now_ms())));
    heartbeat_ = std::thread([this, store] {
        while (!stop_heartbeat_.load()) {
            for (int i = 0; i < 5 && !stop_heartbeat_.load(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
            try {
                store->set(alive_key(rank_), bytes(text(now_ms())));
            } catch (const std::exception&) {
                return;  // the store (rank 0) is gone; the collectives will say so
            }
        }
    });
}

DataParallel::~DataParallel() {
    stop_heartbeat_.store(true);
    if (heartbeat_.joinable()) heartbeat_.join();
}

void DataParallel::mark(int64_t iteration) { store_->set(key_for(rank_), bytes(text(iteration))); }

void DataParallel::peer_failed(const std::string& what, int64_t iteration) {
    // Which rank: the one whose heartbeat stopped (given two seconds to show), else the one
    // whose last finished micro-batch is the oldest.
    std::string named;
    try {
        // Every process on one machine shares the steady clock; across machines only the
        // change of a heartbeat counts, so compare each rank's value with itself.
        std::vector<int64_t> first(world_, 0);
        for (int r = 0; r < world_; ++r)
            if (r != rank_) first[r] = number(store_->get(alive_key(r)));
        std::this_thread::sleep_for(std::chrono::milliseconds(2000));
        for (int r = 0; r < world_; ++r) {
            if (r == rank_) continue;
            if (number(store_->get(alive_key(r))) == first[r]) named += (named.empty() ? "" : ", ") + std::to_string(r);
        }
        if (named.empty())
            for (int r = 0; r < world_; ++r)
                if (r != rank_ && number(store_->get(key_for(r))) < iteration) named += (named.empty() ? "" : ", ") + std::to_string(r);
    } catch (const std::exception&) {
        named = file_store_ ? std::string() : "0 (which holds the rendezvous store)";
    }
    throw Error((named.empty() ? std::string("Another rank") : "Rank " + named) + " stopped answering during " + what + " (rank " +
                std::to_string(rank_) + " waited up to " + std::to_string(timeout_.count() / 1000) +
                " s), so training stopped on every rank; resume from the last checkpoint with --resume.");
}

void DataParallel::check_agreement(const std::string& fingerprint) {
    if (!enabled()) return;
    try {
        store_->set("ibllm/fingerprint/" + std::to_string(rank_), std::vector<uint8_t>(fingerprint.begin(), fingerprint.end()));
        std::vector<std::string> keys;
        for (int r = 0; r < world_; ++r) keys.push_back("ibllm/fingerprint/" + std::to_string(r));
        store_->wait(keys, timeout_);
        for (int r = 0; r < world_; ++r) {
            const std::vector<uint8_t> v = store_->get(keys[r]);
            if (std::string(v.begin(), v.end()) == fingerprint) continue;
            throw Error("Rank " + std::to_string(r) + " was started with other settings, data or model files than rank " +
                        std::to_string(rank_) + " (or another world size); start every rank with the same command.");
        }
    } catch (const Error&) {
        throw;
    } catch (const std::exception& e) {
        throw Error(std::string("The ranks could not compare their settings through the store (") + e.what() +
                    "); check that every rank is running.");
    }
}

void DataParallel::average_gradients(const std::vector<at::Tensor>& params, int64_t iteration) {
    if (!enabled()) return;
    const auto t0 = Clock::now();
    mark(iteration);
    std::vector<at::Tensor> grads;
    for (const at::Tensor& p : params) {
        if (!p.grad().defined()) p.mutable_grad() = at::zeros_like(p);
        grads.push_back(p.grad());
    }
    size_t start = 0;
    while (start < grads.size()) {
        size_t end = start;
        int64_t bytes = 0;
        while (end < grads.size() && (end == start || bytes + grads[end].numel() * 4 <= kBucketBytes)) bytes += grads[end++].numel() * 4;
        std::vector<at::Tensor> flat;
        for (size_t i = start; i < end; ++i) flat.push_back(grads[i].reshape({-1}));
        std::vector<at::Tensor> bucket = {at::cat(flat)};
        try {
            group_->allreduce(bucket)->wait(timeout_);
        } catch (const std::exception&) {
            peer_failed("the gradient all-reduce", iteration);
        }
        bucket[0].div_(world_);
        int64_t offset = 0;
        for (size_t i = start; i < end; ++i) {
            const int64_t n = grads[i].numel();
            grads[i].copy_(bucket[0].narrow(0, offset, n).view(grads[i].sizes()));
            offset += n;
        }
        start = end;
    }
    allreduce_s_ += std::chrono::duration<double>(Clock::now() - t0).count();
}

at::Tensor DataParallel::all_gather_rows(const at::Tensor& local, const std::vector<int64_t>& counts, int64_t iteration) {
    if (!enabled()) return local;
    if (static_cast<int>(counts.size()) != world_ || counts[rank_] != local.size(0))
        throw std::logic_error("all_gather_rows: the counts do not match the ranks' rows");
    const int64_t most = std::max<int64_t>(1, *std::max_element(counts.begin(), counts.end()));
    std::vector<int64_t> shape(local.sizes().begin(), local.sizes().end());
    shape[0] = most;
    // Gloo gathers equal shapes: every rank sends `most` rows, its own first.
    at::Tensor send = at::zeros(shape, local.options().requires_grad(false));
    if (local.size(0) > 0) send.narrow(0, 0, local.size(0)).copy_(local.detach());
    std::vector<at::Tensor> in = {send};
    std::vector<std::vector<at::Tensor>> out(1);
    for (int r = 0; r < world_; ++r) out[0].push_back(at::empty(shape, send.options()));
    mark(iteration);
    try {
        group_->allgather(out, in)->wait(timeout_);
    } catch (const std::exception&) {
        peer_failed("the embedding all-gather", iteration);
    }
    std::vector<at::Tensor> rows;
    for (int r = 0; r < world_; ++r) rows.push_back(r == rank_ ? local : out[0][r].narrow(0, 0, counts[r]));
    return at::cat(rows);
}

std::vector<double> DataParallel::reduce(const std::vector<double>& values, int64_t iteration) {
    if (!enabled()) return values;
    std::vector<at::Tensor> t = {at::tensor(values, at::kDouble)};
    try {
        group_->allreduce(t)->wait(timeout_);
    } catch (const std::exception&) {
        peer_failed("the loss all-reduce", iteration);
    }
    return std::vector<double>(t[0].data_ptr<double>(), t[0].data_ptr<double>() + t[0].numel());
}

}  // namespace ibllm
