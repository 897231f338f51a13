"""pimtx.run equals `pimtx run` for the same config and seed; pimtx.evaluate equals the eval experiment;
open_result returns h5py objects."""

import os
import sys
import tempfile
import unittest

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from _common import ROOT, main, run_cli  # noqa: E402

import pimtx  # noqa: E402

CFG = os.path.join(ROOT, "experiments", "eval", "stories260k.toml")
SETS = ["eval.max_tokens=300", "eval.n_generate=20", "eval.temperature_rel=1.5"]  # sampling: the seed matters
MODEL = os.path.join(ROOT, "data", "models", "stories260K.bin")
TOK = os.path.join(ROOT, "data", "models", "tok512.bin")
TEXT = os.path.join(ROOT, "data", "text", "tinystories_valid_excerpt.txt")

# Datasets and attributes that legitimately differ between two runs: wall-clock times and the command line.
VOLATILE = ("seconds", "start_time_utc", "end_time_utc", "command")


def volatile(name):
    base = name.rsplit("/", 1)[-1]
    return any(base.startswith(v) or base == v for v in VOLATILE)


def contents(path):
    out = {}
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            if not volatile(name):
                if isinstance(obj, h5py.Dataset):
                    out[name] = obj[()]
                for k, v in obj.attrs.items():
                    if not volatile(k):
                        out[f"{name}@{k}"] = v
        f.visititems(visit)
    return out


class Run(unittest.TestCase):
    def test_run_equals_cli_for_the_same_seed(self):
        with tempfile.TemporaryDirectory() as tmp:
            a, b = os.path.join(tmp, "cli.h5"), os.path.join(tmp, "py.h5")
            args = ["run", CFG, "-o", a, "--seed", "5", "--quiet"]
            for s in SETS:
                args += ["--set", s]
            r = run_cli(*args)
            self.assertEqual(r.returncode, 0, r.stderr)
            got = pimtx.run(CFG, overrides=SETS, seed=5, output=b)
            self.assertEqual(got, os.path.abspath(b))
            ca, cb = contents(a), contents(b)
            self.assertEqual(sorted(ca), sorted(cb))
            self.assertIn("eval/mean_nll", ca)
            self.assertIn("generation/tokens", ca)
            for k in ca:
                self.assertTrue(np.array_equal(np.asarray(ca[k]), np.asarray(cb[k])), k)
            # Another seed samples another continuation (the comparison above can fail).
            c = pimtx.run(CFG, overrides=SETS, seed=6, output=os.path.join(tmp, "other.h5"))
            with pimtx.open_result(c) as f, pimtx.open_result(b) as g:
                self.assertFalse(np.array_equal(f["/generation/tokens"][()], g["/generation/tokens"][()]))
                cmd = g["/meta"].attrs["command"]
                self.assertTrue(str(cmd.decode() if isinstance(cmd, bytes) else cmd).startswith("python: pimtx.run("))

    def test_dict_config(self):
        cfg = {"experiment": "eval", "seed": 5,
               "eval": {"model": MODEL, "tokenizer": TOK, "text": TEXT, "max_tokens": 300},
               "arch": {"attention": {"type": "dense"}}}
        with tempfile.TemporaryDirectory() as tmp:
            p = pimtx.run(cfg, output=os.path.join(tmp, "d.h5"))
            with pimtx.open_result(p) as f:
                self.assertIsInstance(f, h5py.File)
                nll = f["/eval/mean_nll"][()]
                self.assertEqual(f["/eval/mean_nll"].attrs["units"], "nat")
        ev = pimtx.evaluate(MODEL, TOK, TEXT, arch={"attention": {"type": "dense"}}, max_tokens=300)
        self.assertEqual(ev["mean_nll"], nll)  # the same code path: bit-identical
        with self.assertRaisesRegex(pimtx.ConfigError, "give output="):
            pimtx.run(cfg)


class Evaluate(unittest.TestCase):
    def test_counts_and_sweep(self):
        ev = pimtx.evaluate(MODEL, TOK, TEXT, max_tokens=200)
        self.assertGreaterEqual(ev["n_tokens"], 200)
        self.assertAlmostEqual(ev["perplexity"], np.exp(ev["mean_nll"]), places=12)
        self.assertEqual(ev["counts"]["linear"]["macs"].shape, (6,))  # 5 layers + classifier
        self.assertTrue((ev["counts"]["linear"]["macs"] > 0).all())
        lsh = pimtx.evaluate(MODEL, TOK, TEXT, arch={"attention": {"type": "lsh", "n_bits": 2}}, max_tokens=200)
        self.assertNotEqual(lsh["mean_nll"], ev["mean_nll"])
        with self.assertRaises(pimtx.ConfigError) as cm:
            pimtx.evaluate(MODEL, TOK, TEXT, arch={"attention": {"type": "dense", "n_bitz": 2}})
        self.assertIn("arch.attention.n_bitz", str(cm.exception))


if __name__ == "__main__":
    main()
