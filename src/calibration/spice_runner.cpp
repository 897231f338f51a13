#include "calibration/spice_runner.h"

#include <fmt/format.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <iostream>
#include <set>

#include "core/progress.h"
#include "spice/engine.h"

namespace pimtx::calibration {

std::string sha256_hex(const std::string& text) {
  // FIPS 180-4 SHA-256, straight from the standard (a netlist fingerprint, not a security primitive).
  static constexpr std::array<uint32_t, 64> k = {
      0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
      0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
      0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
      0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
      0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
      0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
      0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
      0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};
  std::array<uint32_t, 8> h = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                               0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  std::string m = text;
  const uint64_t bits = static_cast<uint64_t>(text.size()) * 8;
  m.push_back(static_cast<char>(0x80));
  while (m.size() % 64 != 56) {
    m.push_back('\0');
  }
  for (int s = 56; s >= 0; s -= 8) {
    m.push_back(static_cast<char>((bits >> s) & 0xff));
  }
  auto rotr = [](uint32_t x, int n) { return (x >> n) | (x << (32 - n)); };
  for (size_t off = 0; off < m.size(); off += 64) {
    std::array<uint32_t, 64> w{};
    for (size_t i = 0; i < 16; ++i) {
      w[i] = 0;
      for (size_t b = 0; b < 4; ++b) {
        w[i] = (w[i] << 8) | static_cast<uint8_t>(m[off + 4 * i + b]);
      }
    }
    for (size_t i = 16; i < 64; ++i) {
      const uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
      const uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
      w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    auto v = h;
    for (size_t i = 0; i < 64; ++i) {
      const uint32_t s1 = rotr(v[4], 6) ^ rotr(v[4], 11) ^ rotr(v[4], 25);
      const uint32_t ch = (v[4] & v[5]) ^ (~v[4] & v[6]);
      const uint32_t t1 = v[7] + s1 + ch + k[i] + w[i];
      const uint32_t s0 = rotr(v[0], 2) ^ rotr(v[0], 13) ^ rotr(v[0], 22);
      const uint32_t mj = (v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]);
      const uint32_t t2 = s0 + mj;
      v = {t1 + t2, v[0], v[1], v[2], v[3] + t1, v[4], v[5], v[6]};
    }
    for (size_t i = 0; i < 8; ++i) {
      h[i] += v[i];
    }
  }
  std::string out;
  for (uint32_t x : h) {
    out += fmt::format("{:08x}", x);
  }
  return out;
}

std::string ngspice_version() {
  auto s = spice::Engine::instance().session();
  s.run("version");
  for (const auto& line : s.log()) {
    const auto p = line.find("ngspice-");
    if (p != std::string::npos) {
      std::string v = line.substr(p);
      while (!v.empty() && (v.back() == ' ' || v.back() == '*')) {
        v.pop_back();
      }
      return v;
    }
  }
  return "unknown (no 'ngspice-' line in the output of `version`)";
}

SpiceRun run_points(spice::WorkerPool& pool, const std::vector<SpicePoint>& points, const std::string& label) {
  const auto t0 = std::chrono::steady_clock::now();
  SpiceRun out;
  out.results.resize(points.size());
  std::set<std::string> seen;
  for (const auto& p : points) {
    std::string text;
    for (const auto& l : p.job.netlist) {
      text += l + "\n";
    }
    const std::string h = sha256_hex(text);
    if (seen.insert(h).second) {
      out.netlist_names.push_back(p.label);
      out.netlist_sha256.push_back(h);
    }
  }
  core::Progress prog(label, points.size(), "netlists");
  const size_t chunk = std::max<size_t>(1, 2 * pool.size());
  for (size_t b = 0; b < points.size(); b += chunk) {
    const size_t e = std::min(points.size(), b + chunk);
    std::vector<spice::Job> jobs;
    for (size_t i = b; i < e; ++i) {
      jobs.push_back(points[i].job);
    }
    auto outcomes = pool.run(jobs);
    for (size_t i = b; i < e; ++i) {
      auto& o = outcomes[i - b];
      if (o.ok) {
        out.results[i] = std::move(o.result);
      } else {
        out.failed.push_back(points[i].label + ": " + o.error);
        std::cerr << "SPICE point failed (excluded from the fit): " << out.failed.back() << "\n";
      }
    }
    prog.update(e);
  }
  prog.finish();
  out.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return out;
}

}  // namespace pimtx::calibration
