"""pimtx.netlist_crossbar + pimtx.spice: the generated netlist solved by ngspice (in worker processes) agrees with
pimtx.Crossbar; ngspice errors and a crashing worker raise pimtx.SpiceError and the interpreter lives on."""

import os
import sys
import tempfile
import unittest

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from _common import main  # noqa: E402

import pimtx  # noqa: E402

RC = "rc\nV1 in 0 DC 1\nR1 in out 1k\nR2 out 0 3k\n"


class Spice(unittest.TestCase):
    def test_crossbar_netlist_matches_solver(self):
        rng = np.random.default_rng(5)
        g = rng.uniform(1e-5, 2e-4, size=(4, 5))
        v = rng.uniform(0.0, 0.2, size=4)
        par = dict(r_wire_row_ohm=2.5, r_wire_col_ohm=2.5, r_driver_ohm=10.0, r_sense_ohm=10.0)
        text = pimtx.netlist_crossbar(g, v_rows_v=v, options=".options reltol=1e-10 abstol=1e-18 vntol=1e-13",
                                      **par)
        self.assertIn("Rc0_0", text)
        r = pimtx.spice(text, "op", [f"vs{j}#branch" for j in range(5)])
        spice_i = np.array([r[f"vs{j}#branch"][0] for j in range(5)])
        ours = pimtx.Crossbar(g, **par).solve(v)
        # Tolerance: the linear op point is one direct solve in ngspice too; the tight reltol/vntol options make
        # it exact to ~1e-12 (README: 3.3e-13 on 128x128); 1e-9 of full scale leaves rounding room.
        self.assertLess(np.max(np.abs(spice_i - ours)) / np.max(np.abs(ours)), 1e-9)

    def test_vectors_and_batch(self):
        r = pimtx.spice(RC, "op", ["v(out)"])
        self.assertEqual(list(r), ["v(out)"])
        self.assertAlmostEqual(r["v(out)"][0], 0.75, places=12)  # divider 3k / 4k
        batch = pimtx.spice([RC, RC.replace("3k", "1k")], "op", ["v(out)"], n_workers=2)
        self.assertEqual(len(batch), 2)
        self.assertAlmostEqual(batch[1]["v(out)"][0], 0.5, places=12)

    def test_netlist_error_raises_spice_error(self):
        with self.assertRaises(pimtx.SpiceError) as cm:
            pimtx.spice("bad\nV1 1 0 DC 1\nX1 1 0 nosuch\n", "op")
        self.assertIn("unknown subckt", str(cm.exception))
        self.assertNotIsInstance(cm.exception, ValueError)

    def test_crash_raises_and_interpreter_lives_on(self):
        # The worker that runs this job dies of SIGSEGV, which is what a crash inside libngspice does: ngspice's
        # `shell` command runs a script that sends SIGSEGV to its nearest ancestor that is not a shell (the
        # worker; a script file because ngspice substitutes $ itself). The interpreter is a different process.
        with tempfile.TemporaryDirectory() as tmp:
            script = os.path.join(tmp, "crash.sh")
            with open(script, "w") as f:
                f.write('p=$PPID\nwhile [ "$(cat /proc/$p/comm)" = sh ]; do p=$(ps -o ppid= -p $p | tr -d " "); done\n'
                        'kill -SEGV $p\n')
            with self.assertRaises(pimtx.SpiceError) as cm:
                pimtx.spice(RC, [f"shell sh {script}", "op"], allow_control=True)
        self.assertIn("signal 11", str(cm.exception))
        # Without allow_control the netlist policy refuses the shell command before anything runs.
        with self.assertRaisesRegex(pimtx.ConfigError, "'shell' is not one of them"):
            pimtx.spice(RC, ["shell true", "op"])
        # Still alive, and the pool replaced the worker.
        self.assertAlmostEqual(pimtx.spice(RC, "op", ["v(out)"])["v(out)"][0], 0.75, places=12)

    def test_bad_arguments(self):
        with self.assertRaisesRegex(pimtx.ConfigError, "analysis is empty"):
            pimtx.spice(RC, [])
        with self.assertRaisesRegex(pimtx.ConfigError, "r_wire_row_ohm"):
            pimtx.netlist_crossbar(np.full((2, 2), 1e-4), r_wire_row_ohm=-1.0)


if __name__ == "__main__":
    main()
