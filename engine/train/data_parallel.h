#pragma once
// Data-parallel training over processes on torch's own c10d: a TCPStore rendezvous on rank 0
// and Gloo all-reduce, set up from the same variables torchrun sets (RANK, WORLD_SIZE,
// LOCAL_RANK, MASTER_ADDR, MASTER_PORT). Workers started by --nproc on one machine meet in a
// FileStore instead, which opens no port, and link over loopback. With one process every
// call is a no-op.
//
// Faults: a collective that fails (a peer closed its connection) or waits longer than the
// timeout (a peer hangs) becomes an ibllm::Error naming the rank at fault: the one whose
// heartbeat in the store stopped, else the one that fell behind (every rank records the last
// micro-batch it finished before each all-reduce).
#include <ATen/core/Tensor.h>
#include <c10/util/intrusive_ptr.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>
#include <string>
#include <vector>

namespace c10d {
class Store;
class ProcessGroupGloo;
}  // namespace c10d

namespace ibllm {

struct TrainOptions;

// The reference's DistributedSampler(shuffle, seed) with set_epoch(epoch): a permutation of
// 0..n-1 seeded by seed + epoch (or file order), padded by repeating its start until it
// divides by `world_size`, then every world_size-th index from `rank`.
std::vector<int64_t> shard_indices(int64_t n, int world_size, int rank, bool shuffle, uint64_t seed, int epoch);

class DataParallel {
public:
    // Connects every rank (world_size 1: nothing to connect). Throws ibllm::Error when the
    // rendezvous does not complete within the timeout, or for an unknown backend.
    explicit DataParallel(const TrainOptions& options);
    ~DataParallel();
    DataParallel(const DataParallel&) = delete;
    DataParallel& operator=(const DataParallel&) = delete;

    bool enabled() const { return world_ > 1; }
    int rank() const { return rank_; }
    int world_size() const { return world_; }

    // Every rank gives the fingerprint of what must be the same everywhere (settings, data,
    // model files, world size); a rank that differs from rank 0 is refused on every rank.
    void check_agreement(const std::string& fingerprint);

    // Averages the trainable gradients over the ranks: flattened into buckets of about
    // 25 MB (as DDP does), summed by Gloo, divided by the world size, copied back.
    // `iteration` is the micro-batch just finished, for naming a rank that falls behind.
    void average_gradients(const std::vector<at::Tensor>& params, int64_t iteration);

    // Sums a few numbers over the ranks: the step's loss (misc.all_reduce_mean divides it by
    // the world size), and flags such as "asked to stop" (Ctrl-C) or "the loss is not finite",
    // so that every rank stops after the same step.
    std::vector<double> reduce(const std::vector<double>& values, int64_t iteration);

    // Every rank's rows of one float tensor, in rank order: [sum(counts), ...]. counts[r] is
    // rank r's number of rows (every rank knows them all; 0 is allowed). The local rows keep
    // their autograd history and the others arrive as constants, as open_clip gathers
    // features for a contrastive loss over the global batch.
    at::Tensor all_gather_rows(const at::Tensor& local, const std::vector<int64_t>& counts, int64_t iteration);

    // Seconds spent in all-reduce so far (for the benchmark).
    double allreduce_seconds() const { return allreduce_s_; }

private:
    [[noreturn]] void peer_failed(const std::string& what, int64_t iteration);
    void mark(int64_t iteration);
    void start_heartbeat(const TrainOptions& options);

    int rank_ = 0, world_ = 1;
    std::string address_;
    bool file_store_ = false;  // the ranks meet in a file (one machine), not at rank 0's TCPStore
    std::chrono::milliseconds timeout_{0};
    c10::intrusive_ptr<c10d::Store> store_;
    c10::intrusive_ptr<c10d::ProcessGroupGloo> group_;
    double allreduce_s_ = 0;
    // Every rank writes the time into the store once a second from a thread of its own (on its
    // own connection): a rank whose time stops is the one that died or was stopped.
    std::thread heartbeat_;
    std::atomic<bool> stop_heartbeat_{false};
};

}  // namespace ibllm
