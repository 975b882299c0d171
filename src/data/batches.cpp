// Mini-batches with one prefetch thread (see batches.h for the behaviour).
//
// The background thread touches no interpreter and runs no slope operation (unless the user's
// transform does): it copies rows out of the dataset's buffers into fresh tensors, so it never
// competes with a jitted step for the interpreter stack, and a batch costs one pass over its bytes.
#include "slope/data/batches.h"

#include <condition_variable>
#include <cstring>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>

#include "io/tensor_bytes.h"
#include "slope/interpreter.h"
#include "slope/random.h"

namespace slope::data {

struct Batches::State {
  Tensor images, labels;
  int64_t batch_size = 0, num_batches = 0;
  BatchOptions options;
  std::vector<int64_t> order;  // example indices, in epoch order

  struct Item {
    Batch batch;
    std::exception_ptr error;
  };
  std::mutex mu;
  std::condition_variable cv;
  std::deque<Item> ready;  // at most options.prefetch
  bool stop = false;
  bool iterated = false;
  std::thread worker;

  Batch make(int64_t b) const;
  void produce();
  Batch next();
};

namespace {
// u8 pixels scale to [0, 1] (divided, not multiplied by 1/255: bit for bit what x.cast(f32) / 255
// and torchvision give); every other dtype is converted as is.
void convert_row(const Tensor& images, int64_t example, int64_t row, float divisor, float* dst) {
  visit_dtype(images.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* src = static_cast<const T*>(images.data()) + example * row;
    for (int64_t k = 0; k < row; ++k) dst[k] = scalar::convert<float>(src[k]) / divisor;
  });
}
}  // namespace

Batch Batches::State::make(int64_t b) const {
  const int64_t n = images.shape(0), first = b * batch_size, count = std::min(batch_size, n - first);
  Shape xs = images.shape(), ys = labels.shape();
  xs[0] = ys[0] = count;
  Batch batch{make_array(AVal{xs, f32}), make_array(AVal{ys, labels.dtype()})};
  const int64_t xrow = n ? images.numel() / n : 0;
  const size_t yrow = static_cast<size_t>(n ? labels.numel() / n : 0) * itemsize(labels.dtype());
  auto* x = reinterpret_cast<float*>(io::fresh_bytes(batch.x));
  unsigned char* y = io::fresh_bytes(batch.y);
  const auto* label_bytes = static_cast<const unsigned char*>(labels.data());
  const float divisor = images.dtype() == u8 ? 255.f : 1.f;
  for (int64_t r = 0; r < count; ++r) {
    const int64_t example = order[static_cast<size_t>(first + r)];
    convert_row(images, example, xrow, divisor, x + r * xrow);
    std::memcpy(y + r * yrow, label_bytes + example * yrow, yrow);
  }
  if (options.mean) {
    const float mean = static_cast<float>(*options.mean), inv_std = static_cast<float>(1.0 / *options.std);
    for (int64_t i = 0, m = count * xrow; i < m; ++i) x[i] = (x[i] - mean) * inv_std;
  }
  return batch;
}

void Batches::State::produce() {
  for (int64_t b = 0; b < num_batches; ++b) {
    {
      // Room first, then work: at most `prefetch` batches exist beyond the one the loop holds.
      std::unique_lock<std::mutex> lock(mu);
      cv.wait(lock, [&] { return stop || ready.size() < static_cast<size_t>(options.prefetch); });
      if (stop) return;
    }
    Item item;
    try {
      item.batch = make(b);
      if (options.transform) item.batch = options.transform(std::move(item.batch));
    } catch (...) {
      item.error = std::current_exception();
    }
    const bool failed = item.error != nullptr;
    {
      std::lock_guard<std::mutex> lock(mu);
      ready.push_back(std::move(item));
    }
    cv.notify_all();
    if (failed) return;  // the consumer rethrows it; nothing after it is wanted
  }
}

Batch Batches::State::next() {
  std::unique_lock<std::mutex> lock(mu);
  cv.wait(lock, [&] { return !ready.empty(); });
  Item item = std::move(ready.front());
  ready.pop_front();
  cv.notify_all();
  lock.unlock();
  if (item.error) std::rethrow_exception(item.error);
  return std::move(item.batch);
}

namespace {
void check_arguments(const Dataset& ds, int64_t batch_size, const Tensor& key, const BatchOptions& o) {
  const char* op = "batches";
  for (auto [name, t] : {std::pair{"images", &ds.images}, std::pair{"labels", &ds.labels}}) {
    if (!t->defined() || !t->is_concrete()) fail(op, "the dataset's ", name, " are not a concrete tensor");
    if (t->ndim() < 1) fail(op, "the dataset's ", name, " must have an example axis first, got a 0-d tensor");
  }
  if (ds.images.shape(0) != ds.labels.shape(0))
    fail(op, "the dataset has ", ds.images.shape(0), " images but ", ds.labels.shape(0), " labels");
  if (batch_size < 1) fail(op, "batch_size must be at least 1, got ", batch_size);
  if (o.prefetch < 1) fail(op, "prefetch must be at least 1, got ", o.prefetch);
  if (o.mean.has_value() != o.std.has_value()) fail(op, "give both mean and std, or neither");
  if (o.std && !(*o.std > 0)) fail(op, "std must be positive, got ", *o.std);
  if (o.shuffle && (!key.defined() || key.dtype() != u32 || key.shape() != Shape{2}))
    fail(op, "shuffling needs a key (a u32 [2] tensor from slope::random::key(seed)), got ",
         key.defined() ? to_string(key.aval()) : std::string("an empty handle"), "; or pass {.shuffle = false}");
}
}  // namespace

Batches::Batches(const Dataset& ds, int64_t batch_size, const Tensor& key, BatchOptions options)
    : state_(std::make_unique<State>()) {
  check_arguments(ds, batch_size, key, options);
  State& s = *state_;
  const int64_t n = ds.images.shape(0);
  s.images = ds.images;
  s.labels = ds.labels;
  s.batch_size = batch_size;
  s.num_batches = options.drop_last ? n / batch_size : (n + batch_size - 1) / batch_size;
  s.options = std::move(options);
  if (s.options.shuffle) {
    s.order = random::permutation(key, n).to_vector<int64_t>();
  } else {
    s.order.resize(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) s.order[static_cast<size_t>(i)] = i;
  }
  s.worker = std::thread([&s] { s.produce(); });
}

Batches::~Batches() {
  if (!state_) return;  // moved from
  {
    std::lock_guard<std::mutex> lock(state_->mu);
    state_->stop = true;
  }
  state_->cv.notify_all();
  state_->worker.join();
}

Batches::Batches(Batches&&) noexcept = default;
Batches& Batches::operator=(Batches&& other) noexcept {
  if (this != &other) {
    Batches dying(std::move(*this));  // joins this range's thread
    state_ = std::move(other.state_);
  }
  return *this;
}

int64_t Batches::size() const { return state_->num_batches; }

Batches::iterator Batches::begin() {
  if (state_->iterated) fail("batches", "a batches() range is one pass over the data: call batches() again for another epoch");
  state_->iterated = true;
  return iterator(state_.get());
}

Batches::iterator::iterator(State* state) : state_(state) {
  if (state_->num_batches > 0) current_ = state_->next();
}

Batches::iterator& Batches::iterator::operator++() {
  if (++index_ < state_->num_batches) current_ = state_->next();
  else current_ = Batch{};
  return *this;
}

bool Batches::iterator::operator==(sentinel) const { return index_ >= state_->num_batches; }

Batches batches(const Dataset& dataset, int64_t batch_size, const Tensor& key, BatchOptions options) {
  return Batches(dataset, batch_size, key, std::move(options));
}

}  // namespace slope::data
