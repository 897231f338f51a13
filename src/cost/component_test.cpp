// Each component model against its closed form; the crossbar read energy of a solved tile against Σ V·I·t of the
// nodal solution; card precedence of the gain-cell and CAM models.
#include "cost/component.h"

#include <catch2/catch.hpp>
#include <cmath>

#include "core/errors.h"
#include "devices/card.h"
#include "devices/gain_cell.h"
#include "xbar/nodal_solver.h"

using namespace pimtx;
using Catch::Matchers::Contains;

namespace {

std::unique_ptr<cost::Component> make(const std::string& toml, const cost::ComponentInit& init = {}) {
  core::Config cfg = core::Config::from_string(toml);
  auto s = cfg.root();
  auto c = cost::component_registry().create(s, "", init);
  cfg.check_unknown();
  return c;
}

// Closed forms are evaluated in the same double arithmetic, in a different order: 1e-12 relative.
constexpr double k_rel = 1e-12;

}  // namespace

TEST_CASE("per_event, block_power, memory, interconnect: closed forms", "[cost]") {
  auto pe = make("type='per_event'\ne_event_j=2e-12\ne_event_j_source='x'\nt_event_s=1e-9\nt_event_s_source='x'");
  CHECK(pe->energy_j() == Approx(2e-12).epsilon(k_rel));
  CHECK(pe->time_s() == Approx(1e-9).epsilon(k_rel));
  cost::ComponentInit init;
  init.f_clock_hz = 1e9;
  auto bp = make("type='block_power'\npower_w=13.148e-3\npower_w_source='x'\nn_cycles=4\nn_cycles_source='x'", init);
  CHECK(bp->energy_j() == Approx(13.148e-3 * 4 / 1e9).epsilon(k_rel));
  CHECK(bp->time_s() == Approx(4e-9).epsilon(k_rel));
  auto mem = make(
      "type='memory'\ne_per_byte_j=31.2e-12\ne_per_byte_j_source='x'\nbandwidth_b_per_s=4.8e12\n"
      "bandwidth_b_per_s_source='x'");
  CHECK(mem->energy_j() == Approx(31.2e-12).epsilon(k_rel));
  CHECK(mem->time_s() == Approx(1.0 / 4.8e12).epsilon(k_rel));
  auto ic = make(
      "type='interconnect'\ne_per_byte_mm_j=0.65e-12\ne_per_byte_mm_j_source='x'\ndistance_mm=3\n"
      "distance_mm_source='x'");
  CHECK(ic->energy_j() == Approx(3 * 0.65e-12).epsilon(k_rel));
}

TEST_CASE("ADC models: Walden, flash, SAR closed forms, the unit's bits override the table's", "[cost]") {
  const std::string walden =
      "type='adc_walden'\nn_bits=8\nfom_j_per_step=11.4e-15\nfom_j_per_step_source='x'\nf_sample_hz=7e8\n"
      "f_sample_hz_source='x'";
  CHECK(make(walden)->energy_j() == Approx(11.4e-15 * 256).epsilon(k_rel));
  CHECK(make(walden)->time_s() == Approx(1 / 7e8).epsilon(k_rel));
  cost::ComponentInit six;
  six.n_bits = 6;
  CHECK(make(walden, six)->energy_j() == Approx(11.4e-15 * 64).epsilon(k_rel));
  const std::string flash =
      "type='adc_flash'\nn_bits=4\ne_comparator_j=50e-15\ne_comparator_j_source='x'\ne_encoder_j=0.1e-12\n"
      "e_encoder_j_source='x'\nf_sample_hz=1e9\nf_sample_hz_source='x'\ncomparator_area_m2=10e-12\n"
      "comparator_area_m2_source='x'";
  CHECK(make(flash)->energy_j() == Approx(15 * 50e-15 + 0.1e-12).epsilon(k_rel));
  CHECK(make(flash)->area_m2() == Approx(15 * 10e-12).epsilon(k_rel));
  const std::string sar =
      "type='adc_sar'\nn_bits=8\ne_comparator_j=50e-15\ne_comparator_j_source='x'\nc_unit_f=1e-15\nc_unit_f_source='x'"
      "\n"
      "v_ref_v=0.9\nv_ref_v_source='x'\nf_bit_clock_hz=1e9\nf_bit_clock_hz_source='x'";
  CHECK(make(sar)->energy_j() == Approx(8 * 50e-15 + 256 * 1e-15 * 0.81).epsilon(k_rel));
  CHECK(make(sar)->time_s() == Approx(9e-9).epsilon(k_rel));
  // Flash grows as 2^b, SAR's comparator part as b: at 8 bits flash costs more than SAR with the same comparator.
  cost::ComponentInit eight;
  eight.n_bits = 8;
  CHECK(make(flash, eight)->energy_j() > make(sar, eight)->energy_j());
}

TEST_CASE("dac_cv2: activity x C x V^2 + static", "[cost]") {
  auto d = make(
      "type='dac_cv2'\nc_load_f=64e-15\nc_load_f_source='x'\nv_swing_v=0.9\nv_swing_v_source='x'\n"
      "activity_rel=0.5\nactivity_rel_source='x'\ne_static_j=1e-15\ne_static_j_source='x'");
  CHECK(d->energy_j() == Approx(0.5 * 64e-15 * 0.81 + 1e-15).epsilon(k_rel));
}

TEST_CASE("every numeric catalog parameter needs its source, unknown keys are rejected", "[cost]") {
  CHECK_THROWS_WITH(make("type='per_event'\ne_event_j=2e-12"), Contains("e_event_j_source"));
  CHECK_THROWS_AS(make("type='per_event'\ne_event_j=2e-12\ne_event_j_source=''"), ConfigError);
  CHECK_THROWS_WITH(make("type='per_event'\ne_event_j=2e-12\ne_event_j_source='x'\ne_evnt_j=1"), Contains("e_evnt_j"));
  CHECK_THROWS_WITH(make("type='per_event'\ne_event_j=-1\ne_event_j_source='x'"), Contains("e_event_j"));
  CHECK_THROWS_WITH(make("type='no_such'"), Contains("valid names"));
}

TEST_CASE("crossbar read energy of a solved tile equals sum V*I*t of the nodal solution", "[cost]") {
  // A 16x8 tile of conductances in the TiOx card's range, read with 0..0.4 V inputs.
  const Eigen::Index rows = 16, cols = 8;
  xbar::CellArray cells;
  cells.a1_s.resize(rows, cols);
  for (Eigen::Index i = 0; i < rows; ++i) {
    for (Eigen::Index j = 0; j < cols; ++j) {
      cells.a1_s(i, j) = 3.16e-6 + 1e-6 * static_cast<double>((i * 7 + j * 13) % 150);
    }
  }
  xbar::Drive drive;
  drive.word_v.resize(rows, 1);
  for (Eigen::Index i = 0; i < rows; ++i) {
    drive.word_v(i, 0) = 0.4 * static_cast<double>(i % 5) / 4.0;
  }
  auto read = make(
      "type='xbar_read'\nt_read_s=29.31e-9\nt_read_s_source='x'\nc_wire_segment_f=1e-15\n"
      "c_wire_segment_f_source='x'\nv_read_v=0.4\nv_read_v_source='x'");
  for (double r_wire : {0.0, 2.5}) {
    xbar::Parasitics par;
    par.r_wire_row_ohm = r_wire;
    par.r_wire_col_ohm = r_wire;
    xbar::NodalSolver solver(cells, par);
    const auto sol = solver.solve(drive);
    // Σ_i V_i·I_i: the power the word-line drivers deliver (bit lines at 0 V deliver none), what a unit records.
    const double p = (drive.word_v.col(0).array() * sol.word_currents_a.col(0).array()).sum();
    const double e = read->energy_of_sum_j("xbar.read_power_w", p);
    CHECK(e == Approx(p * 29.31e-9).epsilon(k_rel));
    // The bit-line currents carry the same charge out: Σ I_bit = Σ I_word (Kirchhoff), to solver precision.
    CHECK(sol.bit_currents_a.col(0).sum() == Approx(sol.word_currents_a.col(0).sum()).epsilon(1e-9));
    if (r_wire == 0.0) {
      // Without wires every cell sees its row voltage: P = Σ_ij G_ij V_i² (closed form).
      double closed = 0.0;
      for (Eigen::Index i = 0; i < rows; ++i) {
        closed += cells.a1_s.row(i).sum() * drive.word_v(i, 0) * drive.word_v(i, 0);
      }
      CHECK(e == Approx(closed * 29.31e-9).epsilon(1e-9));  // solver precision (LDLᵀ residual ~1e-13)
    } else {
      // IR drop lowers every cell's voltage: less power than the ideal array, but within a few percent at 2.5 Ω.
      double ideal = 0.0;
      for (Eigen::Index i = 0; i < rows; ++i) {
        ideal += cells.a1_s.row(i).sum() * drive.word_v(i, 0) * drive.word_v(i, 0);
      }
      CHECK(p < ideal);
      CHECK(p > 0.9 * ideal);
    }
  }
  CHECK(read->energy_j() == Approx(1e-15 * 0.16).epsilon(k_rel));  // line charge per cell read
  CHECK_THROWS_AS(read->energy_of_sum_j("xbar.other_w", 1.0), ConfigError);
}

TEST_CASE("xbar_program: V^2 G t with G from the crossbar card", "[cost]") {
  cost::Cards cards;
  cards.xbar = devices::load_device_card("data/devices/tiox_passive.h5");
  cards.xbar_path = "data/devices/tiox_passive.h5";
  cost::ComponentInit init;
  init.cards = &cards;
  auto p =
      make("type='xbar_program'\nv_pulse_v=1.5\nv_pulse_v_source='x'\nt_pulse_s=100e-9\nt_pulse_s_source='x'", init);
  const double g = std::sqrt(cards.xbar->params.at("g_min_s") * cards.xbar->params.at("g_max_s"));
  CHECK(p->energy_j() == Approx(2.25 * g * 100e-9).epsilon(k_rel));
  CHECK_THROWS_WITH(
      make("type='xbar_program'\nv_pulse_v=1.5\nv_pulse_v_source='x'\nt_pulse_s=1e-7\nt_pulse_s_source='x'"),
      Contains("crossbar card"));
}

TEST_CASE("gain-cell and CAM models: card field first, then the table, then the card's circuit values", "[cost]") {
  cost::Cards cards;
  cards.gain_cell = devices::load_device_card("data/devices/si_3t_gaincell.h5");
  cards.gain_cell_path = "data/devices/si_3t_gaincell.h5";
  cost::ComponentInit init;
  init.cards = &cards;
  // The committed card carries energies measured from its ngspice transients (issue 13): they win.
  const std::string w0 =
      "type='gain_cell_write'\nc_line_f=64e-15\nc_line_f_source='x'\nv_write_v=0.9\nv_write_v_source='x'";
  REQUIRE(cards.gain_cell->params.count("energy.e_write_j") == 1);
  CHECK(make(w0, init)->energy_j() == cards.gain_cell->params.at("energy.e_write_j"));
  // Without them: the C·V² estimate from its c_store_f, and the read law.
  cards.gain_cell->params.erase("energy.e_write_j");
  cards.gain_cell->params.erase("energy.e_read_j");
  const std::string w =
      "type='gain_cell_write'\nc_line_f=64e-15\nc_line_f_source='x'\nv_write_v=0.9\nv_write_v_source='x'";
  const double c_sn = cards.gain_cell->params.at("c_store_f");
  CHECK(make(w, init)->energy_j() == Approx((c_sn + 64e-15) * 0.81).epsilon(k_rel));
  CHECK_THAT(make(w, init)->basis(), Contains("c_store_f"));
  // The read estimate: the card's read law I(V_SN, V_RWL) x V_RBL x t.
  const std::string r =
      "type='gain_cell_read'\nv_store_v=0.7\nv_store_v_source='x'\nv_read_v=0.9\nv_read_v_source='x'\n"
      "v_rbl_v=0.45\nv_rbl_v_source='x'\nt_read_s=7.5e-9\nt_read_s_source='x'";
  {
    core::Config cc = core::Config::from_string(cards.gain_cell->to_toml());
    auto cs = cc.root();
    const auto gp = devices::GainCellParams::from_config(cs);
    CHECK(make(r, init)->energy_j() == Approx(std::abs(gp.read.eval(0.7, 0.9)) * 0.45 * 7.5e-9).epsilon(k_rel));
  }
  // A table value with its source wins over the estimate when the card has no field ...
  CHECK(make(w + "\ne_write_j=2.6e-12\ne_write_j_source='paper'", init)->energy_j() == Approx(2.6e-12));
  // ... and a card field (measured by ngspice) wins over the table.
  cards.gain_cell->params["energy.e_write_j"] = 1.5e-15;
  CHECK(make(w + "\ne_write_j=2.6e-12\ne_write_j_source='paper'", init)->energy_j() == Approx(1.5e-15));
  CHECK_THAT(make(w, init)->basis(), Contains("energy.e_write_j"));
  CHECK(make(w + "\nuse_card=false\ne_write_j=2.6e-12\ne_write_j_source='paper'", init)->energy_j() == Approx(2.6e-12));
  // CAM: no card -> the table's figure; a card with e_search_row_j -> the card's.
  const std::string cam = "type='cam_search'\ne_search_row_j=1.574e-12\ne_search_row_j_source='CAMformer Fig. 6'";
  CHECK(make(cam, init)->energy_j() == Approx(1.574e-12));
  devices::DeviceCard cam_card;
  cam_card.model = "cam";
  cam_card.derived["e_search_row_j"] = 0.3e-12;
  cards.cam = cam_card;
  CHECK(make(cam, init)->energy_j() == Approx(0.3e-12));
}
