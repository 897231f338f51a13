"""pimtx from Python: calibrated device cards, the crossbar array solver, SPICE, experiments and results.

A thin layer over pimtx's C++ library (the native module ``pimtx._pimtx``, built with pybind11 by the project's
CMake build): NumPy float64 arrays in and out, SI units, and the same names as the C++ code and the config keys.
After the README's build, ``PYTHONPATH=build/python python3`` imports it.

API
    DeviceCard.load(path, programming={})   a calibrated device card; .params, .validity, .draw(n, seed),
                                            .read_current(g_s, v_v), .read_law(g_s, seed),
                                            .program(g_now_s, g_target_s, seed), .random_pulses(n, n_pulses, seed)
    Crossbar(conductance_s, r_wire_row_ohm=..., r_wire_col_ohm=..., r_driver_ohm=..., r_sense_ohm=...,
             a3_s_per_v2=None)              the full nodal solver; .solve(voltages_v) for one vector or a batch
                                            (factorisation reused), node_voltages=True for the node voltages;
                                            .transfer_matrix() -> M, W of a linear array
    netlist_crossbar(g_s, ...)              SPICE netlist text of the same array
    spice(netlist, analysis, save)          libngspice in worker processes -> {vector: array}
    run(config, overrides=[], seed=None)    `pimtx run` -> path of the HDF5 result
    open_result(path)                       the result as an h5py.File (read-only)
    evaluate(model, tokenizer, text, arch={...})   NLL, perplexity, top-1 and operation counts
    Error, ConfigError (ValueError), UsageError, IoError (OSError), SpiceError, CalibrationError,
    NumericError (ArithmeticError)         pimtx's exceptions; the C++ context chain is the __cause__ chain
"""

from ._pimtx import (  # noqa: F401  (re-exported API)
    CalibrationError,
    ConfigError,
    Crossbar,
    DeviceCard,
    Error,
    IoError,
    NumericError,
    SpiceError,
    UsageError,
    __version__,
    evaluate,
    git_commit,
    netlist_crossbar,
    run,
    spice,
)

__all__ = [
    "CalibrationError",
    "ConfigError",
    "Crossbar",
    "DeviceCard",
    "Error",
    "IoError",
    "NumericError",
    "SpiceError",
    "UsageError",
    "evaluate",
    "netlist_crossbar",
    "open_result",
    "run",
    "spice",
]


def open_result(path):
    """Open a pimtx result file (HDF5, schema docs/results-format.md) read-only and return the h5py.File.

    h5py stays the reader: datasets carry a ``units`` attribute, /meta holds the resolved config, seed, command
    and git commit. Use it as a context manager (``with pimtx.open_result(p) as f: f["/eval/mean_nll"][()]``).

    Raises:
        IoError: the file is missing or not HDF5 (the h5py/OS error is the __cause__).
    """
    import os

    import h5py

    try:
        return h5py.File(os.fspath(path), "r")
    except OSError as e:
        raise IoError(f"cannot open result file '{os.fspath(path)}': {e}") from e
