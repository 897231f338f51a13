"""pimtx.DeviceCard on the shipped TiOx card: parameters as in the file, reproducible device draws, read law
consistent with read_current, programming towards a target, errors for the wrong model or keys."""

import os
import sys
import unittest

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from _common import ROOT, main  # noqa: E402

import pimtx  # noqa: E402

TIOX = os.path.join(ROOT, "data", "devices", "tiox_passive.h5")
GAIN = os.path.join(ROOT, "data", "devices", "si_3t_gaincell.h5")


class Card(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.card = pimtx.DeviceCard.load(TIOX)

    def test_params_as_in_file(self):
        self.assertEqual(self.card.model, "metal_oxide")
        with h5py.File(TIOX, "r") as f:
            for k, d in f["/device/params"].items():
                self.assertEqual(self.card.params[k], d[()], k)
        self.assertLess(self.card.g_min_s, self.card.g_max_s)
        self.assertIn("v_set_v", self.card.programming)

    def test_draw_is_reproducible(self):
        a = self.card.draw(50, seed=3, g_s=1e-4)
        b = self.card.draw(50, seed=3, g_s=1e-4)
        c = self.card.draw(50, seed=4, g_s=1e-4)
        self.assertEqual(a["d2d"].shape, (50, 4))
        for k in a:
            self.assertTrue(np.array_equal(a[k], b[k]), k)
        self.assertFalse(np.array_equal(a["d2d"], c["d2d"]))
        np.testing.assert_array_equal(a["conductance_s"], 1e-4)

    def test_read_law_matches_read_current(self):
        g = np.linspace(self.card.g_min_s, self.card.g_max_s, 20)
        a1, a3 = self.card.read_law(g, seed=9)
        for v in (0.05, 0.2, -0.3):
            i = self.card.read_current(g, v, seed=9)
            # Tolerance: read_law and current_a evaluate the same A1*V + A3*V^3 terms (device_programming.h);
            # only the order of floating-point operations differs.
            np.testing.assert_allclose(i, a1 * v + a3 * v**3, rtol=1e-12)
        nominal = self.card.read_current(g, 0.2)
        self.assertFalse(np.array_equal(nominal, self.card.read_current(g, 0.2, seed=9)))  # d2d deviates
        grid = self.card.read_current(g[:, None], np.array([0.1, 0.2])[None, :])
        self.assertEqual(grid.shape, (20, 2))

    def test_program_moves_towards_target(self):
        n = 64
        start = np.full(n, self.card.g_min_s)
        target = np.full(n, 0.5 * (self.card.g_min_s + self.card.g_max_s))
        got = self.card.program(start, target, seed=1)
        self.assertTrue(np.array_equal(got, self.card.program(start, target, seed=1)))  # same seed, same result
        self.assertFalse(np.array_equal(got, self.card.program(start, target, seed=2)))  # other devices (d2d)
        self.assertGreater(np.mean(np.abs(got - start)), 0.0)
        self.assertTrue(((got >= self.card.g_min_s) & (got <= self.card.g_max_s)).all())
        planes = self.card.random_pulses(200, 5, seed=2)
        self.assertTrue(((planes >= self.card.g_min_s) & (planes <= self.card.g_max_s)).all())
        self.assertGreater(np.std(planes), 0.0)
        # Random amplitudes come from the c2c stream of the event: a new event, a new plane on the same devices.
        self.assertFalse(np.array_equal(planes, self.card.random_pulses(200, 5, seed=2, event=1)))

    def test_errors(self):
        with self.assertRaises(pimtx.IoError) as cm:
            pimtx.DeviceCard.load(os.path.join(ROOT, "data", "devices", "missing.h5"))
        self.assertIsInstance(cm.exception, OSError)
        self.assertIn("missing.h5", str(cm.exception))
        with self.assertRaisesRegex(pimtx.ConfigError, "v_set_vv"):
            pimtx.DeviceCard.load(TIOX, programming={"v_set_vv": 1.0})
        gain = pimtx.DeviceCard.load(GAIN)
        self.assertEqual(gain.model, "gain_cell")
        self.assertTrue(gain.params)
        with self.assertRaisesRegex(pimtx.ConfigError, "not a memristor model"):
            gain.draw(3, seed=1)
        with self.assertRaisesRegex(ValueError, "argument 'g_now_s'"):
            self.card.program(np.zeros(3), np.zeros(4), seed=1)


if __name__ == "__main__":
    main()
