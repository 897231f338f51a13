// Measured hash-collision probability of a plane source against the sign-random-projection law
// P[bit(x) = bit(y)] = 1 − θ(x, y)/π (Charikar 2002), which holds exactly for Gaussian planes.
//
// Contract: for each angle θ, n_pairs random pairs of unit n_dim vectors at exactly that angle (x̂ a random
// direction, z = cos θ x̂ + sin θ ŷ with ŷ a random direction ⟂ x̂) are hashed by the hashers of slots
// (layer 0, kv head 0..n_slots-1); every plane (n_rounds × n_bits of each slot) gives one comparison per pair. Vectors
// come from core::Rng(seed, "arch.lsh.collision"), run-time hash noise from its child "noise". Pure function of its
// inputs.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "arch/attention/lsh_planes.h"

namespace pimtx::arch::lsh {

struct CollisionResult {
  std::vector<double> theta_rad;    // (n_angles)
  std::vector<double> p_measured;   // (n_angles) fraction of equal bits
  std::vector<double> p_theory;     // (n_angles) 1 − θ/π
  std::vector<int64_t> n_compared;  // (n_angles) bit comparisons
};

CollisionResult measure_collision(const PlaneSource& src, const HashShape& shape, std::span<const double> theta_rad,
                                  int n_slots, int n_pairs, uint64_t seed);

}  // namespace pimtx::arch::lsh
