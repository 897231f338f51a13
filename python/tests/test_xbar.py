"""pimtx.Crossbar: the same numbers as `pimtx xbar` bit for bit, batch == per-vector, node voltages, a dense
NumPy nodal reference, and argument errors that name the argument."""

import os
import sys
import tempfile
import tomllib
import unittest

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from _common import ROOT, main, run_cli  # noqa: E402

import pimtx  # noqa: E402

sys.path.insert(0, os.path.join(ROOT, "python", "examples"))
from mna import dense_mna_currents  # noqa: E402


def cli_currents(config_path, out_path):
    r = run_cli("xbar", config_path, "-o", out_path, "--quiet")
    if r.returncode != 0:
        raise AssertionError(f"pimtx xbar failed ({r.returncode}): {r.stderr}")
    with h5py.File(out_path, "r") as f:
        return f["/xbar/currents_a"][()], f["/xbar/word_currents_a"][()]


class SolveEqualsCli(unittest.TestCase):
    def test_shipped_csv_bit_for_bit(self):
        cfg_path = os.path.join(ROOT, "experiments", "xbar_read", "config.toml")
        with open(cfg_path, "rb") as f:
            cfg = tomllib.load(f)
        base = os.path.dirname(cfg_path)
        g = np.loadtxt(os.path.join(base, cfg["array"]["conductance_csv"]), delimiter=",", comments="#", ndmin=2)
        v = np.loadtxt(os.path.join(base, cfg["input"]["voltages_csv"]), delimiter=",", comments="#", ndmin=2)
        par = {k: cfg["array"][k] for k in ("r_wire_row_ohm", "r_wire_col_ohm", "r_driver_ohm", "r_sense_ohm")}
        with tempfile.TemporaryDirectory() as tmp:
            ref, ref_word = cli_currents(cfg_path, os.path.join(tmp, "x.h5"))
        res = pimtx.Crossbar(g, **par).solve(v, word_currents=True)
        self.assertTrue(np.array_equal(res["bit_currents_a"], ref), "bit currents differ from pimtx xbar")
        self.assertTrue(np.array_equal(res["word_currents_a"], ref_word), "word currents differ from pimtx xbar")

    def test_random_csv_with_nonlinear_cells_bit_for_bit(self):
        rng = np.random.default_rng(7)
        g = rng.uniform(3e-6, 3e-4, size=(24, 17))
        a3 = 0.5 * g  # metal-oxide-like cubic term: exercises the Newton path
        v = rng.uniform(-0.3, 0.3, size=(5, 24))
        with tempfile.TemporaryDirectory() as tmp:
            for name, m in (("g.csv", g), ("a3.csv", a3), ("v.csv", v)):
                np.savetxt(os.path.join(tmp, name), m, delimiter=",", fmt="%.17g")  # exact round trip
            cfg = os.path.join(tmp, "c.toml")
            with open(cfg, "w") as f:
                f.write('[array]\nconductance_csv = "g.csv"\na3_csv = "a3.csv"\nr_wire_row_ohm = 2.5\n'
                        'r_wire_col_ohm = 3.0\nr_driver_ohm = 10.0\nr_sense_ohm = 0.0\n'
                        '[input]\nvoltages_csv = "v.csv"\n')
            ref, _ = cli_currents(cfg, os.path.join(tmp, "x.h5"))
        x = pimtx.Crossbar(g, r_wire_row_ohm=2.5, r_wire_col_ohm=3.0, r_driver_ohm=10.0, r_sense_ohm=0.0,
                           a3_s_per_v2=a3)
        self.assertTrue(np.array_equal(x.solve(v), ref))


class BatchAndNodes(unittest.TestCase):
    def setUp(self):
        rng = np.random.default_rng(3)
        self.g = rng.uniform(1e-6, 1e-4, size=(16, 12))
        self.v = rng.uniform(0.0, 0.2, size=(6, 16))
        self.x = pimtx.Crossbar(self.g, r_wire_row_ohm=1.0, r_wire_col_ohm=1.5, r_driver_ohm=5.0, r_sense_ohm=5.0)

    def test_batch_equals_per_vector(self):
        batch = self.x.solve(self.v)
        self.assertEqual(batch.shape, (6, 12))
        self.assertEqual(batch.dtype, np.float64)
        for k in range(6):
            one = self.x.solve(self.v[k])
            self.assertEqual(one.shape, (12,))
            # Exact: each right-hand side goes through the same triangular solves of the same factorisation.
            self.assertTrue(np.array_equal(one, batch[k]), f"vector {k}")

    def test_node_voltages(self):
        r = self.x.solve(self.v, node_voltages=True)
        self.assertEqual(r["word_node_v"].shape, (6, 16, 12))
        self.assertEqual(r["bit_node_v"].shape, (6, 16, 12))
        # Sense current = last bit node / r_sense; driver current = (V - first word node) / r_driver.
        # Tolerance 1e-12 relative: the same node voltages, rounding of one division only.
        np.testing.assert_allclose(r["bit_node_v"][:, -1, :] / 5.0, r["bit_currents_a"], rtol=1e-12)
        np.testing.assert_allclose((self.v - r["word_node_v"][:, :, 0]) / 5.0, r["word_currents_a"], rtol=1e-12)
        # KCL at every cell: cell currents of column j add up to the column's sense current.
        cell = self.g[None] * (r["word_node_v"] - r["bit_node_v"])
        np.testing.assert_allclose(cell.sum(axis=1), r["bit_currents_a"], rtol=1e-9)

    def test_dense_numpy_reference(self):
        rng = np.random.default_rng(11)
        g = rng.uniform(3e-6, 3e-4, size=(6, 5))
        v = rng.uniform(-0.3, 0.3, size=6)
        par = dict(r_wire_row_ohm=2.0, r_wire_col_ohm=3.0, r_driver_ohm=10.0, r_sense_ohm=7.0)
        got = pimtx.Crossbar(g, **par).solve(v)
        ref = dense_mna_currents(g, v, **par)
        # Tolerance: two direct solves of a well-conditioned 60-node system agree to rounding (~1e-15);
        # 1e-10 of full scale leaves room for the different elimination orders.
        self.assertLess(np.max(np.abs(got - ref)) / np.max(np.abs(ref)), 1e-10)

    def test_transfer_matrix(self):
        t = self.x.transfer_matrix()
        self.assertEqual(t["bit_a_per_v"].shape, (12, 16))
        self.assertEqual(t["word_a_per_v"].shape, (16, 16))
        # Tolerance 1e-9 of full scale: the same linear system through a different elimination (the C++ test's
        # acceptance), rounding only.
        ref = self.x.solve(self.v, word_currents=True)
        scale = np.max(np.abs(ref["bit_currents_a"]))
        self.assertLess(np.max(np.abs(self.v @ t["bit_a_per_v"].T - ref["bit_currents_a"])) / scale, 1e-9)
        self.assertLess(np.max(np.abs(self.v @ t["word_a_per_v"].T - ref["word_currents_a"])) / scale, 1e-9)
        nonlinear = pimtx.Crossbar(self.g, r_wire_row_ohm=1.0, a3_s_per_v2=0.5 * self.g)
        with self.assertRaises(pimtx.NumericError):
            nonlinear.transfer_matrix()

    def test_ideal_and_relaxation(self):
        ideal = self.x.ideal_currents(self.v)
        np.testing.assert_allclose(ideal, self.v @ self.g, rtol=1e-13)  # same sum, different order
        many = self.x.line_relaxation_currents(self.v, 200)
        # 200 Gauss-Seidel sweeps on a 16x12 array with 1-ohm wires converge far below 1e-9 of full scale.
        self.assertLess(np.max(np.abs(many - self.x.solve(self.v))) / np.max(np.abs(ideal)), 1e-9)


class ArgumentErrors(unittest.TestCase):
    def test_shape_and_dtype_name_the_argument(self):
        x = pimtx.Crossbar(np.full((4, 3), 1e-4), r_wire_row_ohm=1.0)
        with self.assertRaisesRegex(ValueError, r"argument 'voltages_v': expected shape \(4,\)"):
            x.solve(np.zeros(5))
        with self.assertRaisesRegex(TypeError, r"argument 'voltages_v': dtype complex128 is not real"):
            x.solve(np.zeros(4, dtype=complex))
        with self.assertRaisesRegex(ValueError, r"argument 'conductance_s': expected a 2-D array"):
            pimtx.Crossbar(np.zeros(4))
        with self.assertRaisesRegex(ValueError, r"argument 'a3_s_per_v2': expected shape \(4, 3\)"):
            pimtx.Crossbar(np.full((4, 3), 1e-4), a3_s_per_v2=np.zeros((3, 4)))
        with self.assertRaisesRegex(TypeError, r"argument 'conductance_s'"):
            pimtx.Crossbar("abc")
        # int and bool inputs convert to float64
        self.assertEqual(x.solve(np.array([1, 0, 0, 0])).shape, (3,))

    def test_physical_errors_are_config_errors(self):
        with self.assertRaises(pimtx.ConfigError) as cm:
            pimtx.Crossbar(np.full((2, 2), 1e-4), r_wire_row_ohm=-1.0)
        self.assertIsInstance(cm.exception, ValueError)
        self.assertIn("Crossbar.r_wire_row_ohm", str(cm.exception))
        g = np.full((2, 2), 1e-4)
        g[1, 0] = -1e-5
        with self.assertRaisesRegex(pimtx.ConfigError, "Crossbar"):
            pimtx.Crossbar(g)


if __name__ == "__main__":
    main()
