// xbar's unit registries (STYLE.md §2): the explicit list lives in registry.cpp.
//
// Contract: programming_registry().create(section, "ideal") builds the programming model named by
// section.type with its parameters from the same section; adc_registry() likewise for ADCs, given the
// number of columns and the instance's d2d stream (for fixed per-column offsets).
#pragma once

#include "core/registry.h"
#include "xbar/peripherals.h"
#include "xbar/programming.h"
#include "xbar/signed_encoding.h"

namespace pimtx::xbar {

using ProgrammingRegistry = core::Registry<ProgrammingModel>;
using AdcRegistry = core::Registry<Adc, Eigen::Index, core::Rng*>;
using SignedEncodingRegistry = core::Registry<SignedEncoding>;

const ProgrammingRegistry& programming_registry();
const AdcRegistry& adc_registry();
const SignedEncodingRegistry& signed_encoding_registry();  // "differential", "offset" (signed_encoding.h)

}  // namespace pimtx::xbar
