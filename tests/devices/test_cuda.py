"""The CUDA backend without a GPU: preferences, code generation (fast) and compilation (slow).

With a GPU the compiled binary also runs; without one the run fails with a clear message.
"""

from __future__ import annotations

import os
import time

import brian2 as b2
import pytest
from brian2 import ms

from brainsim import Protocol, standard_phases
from brainsim.devices import get_backend
from brainsim.devices.cuda import (
    CUDA_SEED_CODE,
    DEFAULT_COMPUTE_CAPABILITY,
    configure_cuda_prefs,
    detected_gpus,
    find_nvcc,
    resolve_compute_capability,
)
from brainsim.errors import ConfigError, NeuroEmoError
from brainsim.experiment.runner import structure_for, values_for
from brainsim.model.network import BrianNetwork

D = 300 * ms
PROTOCOL = Protocol(name="cuda", profile="healthy", duration=D, scale=0.25,
                    phases=standard_phases(D))
needs_nvcc = pytest.mark.skipif(find_nvcc() is None, reason="no nvcc on this machine")


@pytest.fixture
def cuda_device(tmp_path):
    import brian2cuda  # noqa: F401  (registers the device)

    b2.devices.reinit_devices()
    b2.set_device("cuda_standalone", directory=str(tmp_path / "cuda"), build_on_run=False)
    yield tmp_path / "cuda"
    b2.devices.reinit_devices()
    b2.set_device("runtime")


def test_compute_capability_order(monkeypatch):
    monkeypatch.setenv("NEUROEMO_CUDA_CC", "8.6")
    assert resolve_compute_capability(7.5) == 7.5
    assert resolve_compute_capability() == 8.6
    monkeypatch.delenv("NEUROEMO_CUDA_CC")
    expected = (detected_gpus()[0]["compute_capability"] if detected_gpus()
                else DEFAULT_COMPUTE_CAPABILITY)
    assert resolve_compute_capability() == expected
    monkeypatch.setenv("NEUROEMO_CUDA_CC", "hopper")
    with pytest.raises(ConfigError, match="NEUROEMO_CUDA_CC"):
        resolve_compute_capability()


def test_missing_nvcc_is_a_clear_error(monkeypatch, cuda_device):
    monkeypatch.setattr("brainsim.devices.cuda.find_nvcc", lambda: None)
    with pytest.raises(NeuroEmoError, match="needs the CUDA toolkit's compiler nvcc"):
        configure_cuda_prefs()


@needs_nvcc
def test_cuda_code_generation_without_gpu(cuda_device):
    from brainsim.devices.speedups import GCC_VECTORISE_FLAG, Speedups

    Speedups().configure_compiler()  # as a cpp_standalone build earlier in the process would
    chosen = configure_cuda_prefs(9.0)
    assert chosen["compute_capability"] == 9.0
    assert GCC_VECTORISE_FLAG not in b2.prefs.codegen.cpp.extra_compile_args_gcc
    backend = b2.prefs.devices.cuda_standalone.cuda_backend
    assert backend.detect_gpus is False and backend.gpu_id == 0
    assert "-std=c++17" in backend.extra_compile_args_nvcc
    assert "-std=c++11" not in b2.prefs.codegen.cpp.extra_compile_args_gcc
    configure_cuda_prefs(9.0)  # idempotent
    assert backend.extra_compile_args_nvcc.count("-std=c++17") == 1
    from brainsim.devices.cuda import CudaStandaloneBackend

    b2.device.insert_code("main", CudaStandaloneBackend().seed_code)  # as StandaloneBuild does
    structure = structure_for(PROTOCOL)
    bn = BrianNetwork(structure, values_for(PROTOCOL, structure, None))
    bn.network.run(structure.duration, report=None)
    b2.device.build(directory=str(cuda_device), compile=False, run=False, with_output=False)
    main_cu = (cuda_device / "main.cu").read_text()
    assert "random_number_buffer.set_seed(_base" in main_cu  # per-run cuRAND seed
    assert "_random_generators" not in main_cu  # not the C++ generators' seed code
    assert CUDA_SEED_CODE.strip().splitlines()[1].strip() in main_cu
    # the noise kick's standard_normal() is brian2cuda's cuRAND randn on the GPU
    kick = next(cuda_device.glob("code_objects/neurons_noise_kick_codeobject*.cu")).read_text()
    assert "_randn(_vectorisation_idx" in kick and "_neuroemo_normal" not in kick
    rand_cu = (cuda_device / "rand.cu").read_text()
    assert "neurons_noise_kick_codeobject_randn" in rand_cu  # cuRAND fills its buffer
    makefile = (cuda_device / "makefile").read_text()
    assert "-arch=sm_90" in makefile and "-std=c++17" in makefile
    if chosen["curand"]:
        include, lib = chosen["curand"]
        assert f"-I{include}" in makefile and f"-L{lib}" in makefile
        assert os.path.exists(os.path.join(lib, "libcurand.so")) or any(
            "cuda-lib" in d for d in b2.prefs.codegen.cpp.library_dirs)


@pytest.mark.slow
@pytest.mark.cuda_standalone
@needs_nvcc
def test_cuda_compiles_without_gpu_and_says_why_it_cannot_run(tmp_path):
    """Full nvcc compile of the network (minutes on 2 cores); runs only where a GPU is."""
    backend = get_backend("cuda_standalone", build_root=tmp_path / "builds",
                          compute_capability=9.0)
    structure = structure_for(PROTOCOL)
    values = values_for(PROTOCOL, structure, None)
    t0 = time.perf_counter()
    build = backend.prepare(structure, values, report=None)
    compile_s = time.perf_counter() - t0
    try:
        assert (build.directory / "main").exists()
        assert backend.builds == 1
        print(f"CUDA compile of the scale-0.25 network: {compile_s:.0f} s")
        if detected_gpus():
            a = build.run(values)
            b = build.run(values)
            assert sum(len(i) for i, _ in a.spikes.values()) > 0
            assert all((a.spikes[r][0] == b.spikes[r][0]).all() for r in a.spikes)
        else:
            with pytest.raises(NeuroEmoError, match="compiled, but no CUDA GPU"):
                build.run(values)
    finally:
        build.close()


def test_run_without_gpu_stops_before_compiling(monkeypatch, tmp_path, capsys):
    """``neuroemo run``/``sweep``/``--point`` with cuda_standalone check for a GPU first."""
    import brainsim.devices.cuda
    from brainsim.cli import main

    monkeypatch.setattr(brainsim.devices.cuda, "detected_gpus", lambda: [])
    monkeypatch.setenv("NEUROEMO_CACHE", str(tmp_path / "cache"))
    out = tmp_path / "out"
    assert main(["run", "protocols/emotional_response.py", "--backend", "cuda_standalone",
                 "--out", str(out)]) == 2
    assert "needs an NVIDIA GPU" in capsys.readouterr().err
    assert main(["sweep", "protocols/sweep_serotonin.py", "--backend", "cuda_standalone",
                 "--out", str(out)]) == 2
    assert "needs an NVIDIA GPU" in capsys.readouterr().err
    assert not out.exists() and not (tmp_path / "cache").exists()
