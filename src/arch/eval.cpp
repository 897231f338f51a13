#include "arch/eval.h"

#include <chrono>
#include <cmath>
#include <sstream>

#include "core/progress.h"

namespace pimtx::arch {

namespace {

std::string strip(const std::string& s) {
  const char* ws = " \t\r\n\f\v";
  const size_t b = s.find_first_not_of(ws);
  if (b == std::string::npos) {
    return {};
  }
  const size_t e = s.find_last_not_of(ws);
  return s.substr(b, e - b + 1);
}

int argmax(const float* v, int64_t n) {
  int64_t best = 0;
  for (int64_t i = 1; i < n; ++i) {
    if (v[i] > v[best]) {
      best = i;
    }
  }
  return static_cast<int>(best);
}

}  // namespace

std::vector<std::string> split_stories(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line, cur;
  auto flush = [&]() {
    std::string s = strip(cur);
    if (!s.empty()) {
      out.push_back(std::move(s));
    }
    cur.clear();
  };
  while (std::getline(in, line)) {
    if (line == "<|endoftext|>") {
      flush();
    } else {
      cur += line;
      cur += '\n';
    }
  }
  flush();
  return out;
}

EvalResult evaluate(Transformer& engine, const Tokenizer& tok, const std::vector<std::string>& stories,
                    int64_t max_tokens, bool show_progress) {
  EvalResult r;
  const int64_t ctx = engine.config().seq_len;
  const int64_t vocab = engine.config().vocab_size;
  std::unique_ptr<core::Progress> bar;
  if (show_progress) {
    bar = std::make_unique<core::Progress>("eval", max_tokens > 0 ? static_cast<uint64_t>(max_tokens) : 0, "tok");
  }
  const auto t0 = std::chrono::steady_clock::now();
  for (const auto& story : stories) {
    std::vector<int> ids = tok.encode(story, true);
    if (static_cast<int64_t>(ids.size()) > ctx) {
      ids.resize(ctx);
    }
    if (ids.size() < 2) {
      continue;
    }
    engine.reset();
    const Mat& logits = engine.forward(std::span<const int>(ids.data(), ids.size() - 1), true);
    double story_nll = 0.0;
    const auto n_pred = static_cast<int64_t>(ids.size()) - 1;
    for (int64_t t = 0; t < n_pred; ++t) {
      const float* row = logits.row(t).data();
      const int target = ids[t + 1];
      // log-sum-exp in double around the max logit
      const int best = argmax(row, vocab);
      const double mx = row[best];
      double sum = 0.0;
      for (int64_t i = 0; i < vocab; ++i) {
        sum += std::exp(static_cast<double>(row[i]) - mx);
      }
      story_nll += mx + std::log(sum) - static_cast<double>(row[target]);
      r.n_correct += best == target ? 1 : 0;
    }
    r.sum_nll += story_nll;
    r.n_tokens += n_pred;
    r.n_stories += 1;
    r.story_tokens.push_back(n_pred);
    r.story_nll.push_back(story_nll);
    if (bar) {
      bar->update(static_cast<uint64_t>(r.n_tokens));
    }
    if (max_tokens > 0 && r.n_tokens >= max_tokens) {
      break;
    }
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (bar) {
    bar->finish();
  }
  return r;
}

Generation generate(Transformer& engine, const Tokenizer& tok, const std::string& prompt, int64_t max_new,
                    double temperature, core::Rng& rng) {
  Generation g;
  g.tokens = tok.encode(prompt, true);
  if (prompt.empty()) {
    g.tokens = {tok.bos_id()};
  }
  const int64_t ctx = engine.config().seq_len;
  if (static_cast<int64_t>(g.tokens.size()) > ctx) {
    g.tokens.resize(ctx);
  }
  g.n_prompt = static_cast<int64_t>(g.tokens.size());
  engine.reset();
  // Prefill the prompt in one pass, then decode one token at a time from the KV cache.
  const Mat* logits = &engine.forward(g.tokens, false);
  const int64_t vocab = engine.config().vocab_size;
  std::vector<double> p(vocab);
  for (int64_t step = 0; step < max_new && engine.pos() < ctx; ++step) {
    const float* row = logits->row(logits->rows() - 1).data();
    int next = argmax(row, vocab);
    if (temperature > 0.0) {
      double sum = 0.0;
      for (int64_t i = 0; i < vocab; ++i) {
        p[i] = std::exp((static_cast<double>(row[i]) - row[next]) / temperature);
        sum += p[i];
      }
      const double u = rng.uniform() * sum;
      double cdf = 0.0;
      next = static_cast<int>(vocab - 1);
      for (int64_t i = 0; i < vocab; ++i) {
        cdf += p[i];
        if (u < cdf) {
          next = static_cast<int>(i);
          break;
        }
      }
    }
    if (next == tok.bos_id() || next == tok.eos_id()) {
      break;
    }
    g.tokens.push_back(next);
    if (engine.pos() >= ctx) {
      break;
    }
    const int one = next;
    logits = &engine.forward(std::span<const int>(&one, 1), false);
  }
  g.text = tok.decode_all(g.tokens);
  return g;
}

}  // namespace pimtx::arch
