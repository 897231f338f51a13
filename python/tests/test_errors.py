"""pimtx's C++ errors arrive as the documented Python classes, with the CLI's messages and context chain."""

import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from _common import ROOT, main, run_cli  # noqa: E402

import pimtx  # noqa: E402

MODEL = os.path.join(ROOT, "data", "models", "stories260K.bin")
TOK = os.path.join(ROOT, "data", "models", "tok512.bin")
TEXT = os.path.join(ROOT, "data", "text", "tinystories_valid_excerpt.txt")


def cli_error_lines(*args):
    r = run_cli(*args)
    return r.returncode, r.stderr


class Errors(unittest.TestCase):
    def test_hierarchy(self):
        self.assertTrue(issubclass(pimtx.ConfigError, ValueError))
        self.assertTrue(issubclass(pimtx.ConfigError, pimtx.Error))
        self.assertTrue(issubclass(pimtx.IoError, OSError))
        self.assertTrue(issubclass(pimtx.SpiceError, pimtx.Error))
        self.assertFalse(issubclass(pimtx.SpiceError, (ValueError, OSError)))
        self.assertTrue(issubclass(pimtx.NumericError, ArithmeticError))

    def test_unknown_key_same_message_as_cli(self):
        with tempfile.TemporaryDirectory() as tmp:
            cfg = os.path.join(tmp, "bad.toml")
            with open(cfg, "w") as f:
                f.write(f'experiment = "eval"\n[eval]\nmodel = "{MODEL}"\ntokenizer = "{TOK}"\ntext = "{TEXT}"\n'
                        'max_tokenz = 10\n')
            out = os.path.join(tmp, "out.h5")
            rc, err = cli_error_lines("run", cfg, "-o", out)
            self.assertEqual(rc, 2)
            with self.assertRaises(pimtx.ConfigError) as cm:
                pimtx.run(cfg, output=out)
            msg = str(cm.exception)
            self.assertIn("eval.max_tokenz", msg)
            self.assertIn(msg, err)  # the CLI prints the same message
            self.assertFalse(os.path.exists(out))  # no partial output

    def test_context_chain_is_the_cause_chain(self):
        with tempfile.TemporaryDirectory() as tmp:
            bad = os.path.join(tmp, "bad.bin")
            with open(bad, "wb") as f:
                f.write(b"\0" * 64)  # no llama2.c magic, implausible v0 header: a ConfigError with context
            rc, err = cli_error_lines("eval", "--model", bad, "--tokenizer", TOK, "--text", TEXT, "-o",
                                      os.path.join(tmp, "o.h5"))
            self.assertEqual(rc, 2)
            with self.assertRaises(pimtx.ConfigError) as cm:
                pimtx.evaluate(bad, TOK, TEXT)
        outer, inner = cm.exception, cm.exception.__cause__
        self.assertIn("not a llama2.c checkpoint", str(outer))
        self.assertIsInstance(inner, pimtx.ConfigError)
        self.assertIn(str(outer), err)
        self.assertIn(str(inner), err)
        self.assertTrue(err.index(str(outer)) < err.index(str(inner)))  # CLI: outermost first

    def test_io_error(self):
        with self.assertRaises(pimtx.IoError) as cm:
            pimtx.open_result(os.path.join(ROOT, "no", "such.h5"))
        self.assertIsInstance(cm.exception, OSError)
        with self.assertRaises(pimtx.ConfigError):
            pimtx.run(os.path.join(ROOT, "no", "such.toml"))

    def test_usage_error(self):
        with self.assertRaises(pimtx.UsageError):
            pimtx.run(os.path.join(ROOT, "experiments", "eval", "stories260k.toml"), overrides=["no_equals_sign"])


if __name__ == "__main__":
    main()
