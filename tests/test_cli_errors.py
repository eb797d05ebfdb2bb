"""CLI mistakes print one line and exit with status 2 (no traceback)."""

import subprocess
import sys

import pytest

from transferkit._cli import main


@pytest.mark.parametrize(
    "argv, expected",
    [
        (["benchmark", "nonexistent"], "unknown benchmark 'nonexistent'"),
        (["demo", "--shift", "bogus"], "shift must be one of"),
    ],
)
def test_user_mistakes_exit_2_with_the_message(argv, expected, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert expected in err
    assert "Traceback" not in err


def test_missing_data_folder_exits_2(tmp_path, capsys, monkeypatch):
    # the loader tries to download the missing file: send it to a closed
    # local port, so the test never reaches the network and sees the offline error
    monkeypatch.setenv("TRANSFERKIT_DOWNLOAD_BASE", "http://127.0.0.1:9")
    missing = tmp_path / "no-such-folder"
    code = main(["benchmark", "mushroom", "--data-home", str(missing)])
    assert code == 2
    err = capsys.readouterr().err
    assert str(missing) in err and "Traceback" not in err


def test_subprocess_prints_no_traceback():
    proc = subprocess.run(
        [sys.executable, "-m", "transferkit", "benchmark", "nonexistent"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "unknown benchmark 'nonexistent'" in proc.stderr


@pytest.mark.parametrize("option", ["--save", "--plot"])
def test_benchmark_output_checked_before_running(tmp_path, capsys, option, monkeypatch):
    import transferkit._cli as cli

    def refuse(*args, **kwargs):
        raise AssertionError("the benchmark ran before its output was checked")

    monkeypatch.setattr(cli, "run_benchmark", refuse)
    bad = tmp_path / "missing" / "out.png"
    assert main(["benchmark", "mushroom", option, str(bad)]) == 2
    err = capsys.readouterr().err
    assert "does not exist" in err and "Traceback" not in err
    assert main(["benchmark", "mushroom", option, str(tmp_path)]) == 2
    assert "is a directory" in capsys.readouterr().err


def test_benchmark_plot_with_an_unknown_extension(tmp_path, capsys, monkeypatch):
    import transferkit._cli as cli

    monkeypatch.setattr(cli, "run_benchmark", lambda *a, **k: [])
    assert main(["benchmark", "mushroom", "--plot", str(tmp_path / "x.bogus")]) == 2
    assert "--plot" in capsys.readouterr().err


def test_internal_import_error_is_not_hidden(monkeypatch):
    import transferkit._cli as cli

    def broken(*args, **kwargs):
        raise ImportError("a bug", name="transferkit.nowhere")

    monkeypatch.setattr(cli, "run_benchmark", broken)
    with pytest.raises(ImportError, match="a bug"):
        main(["benchmark", "mushroom"])


@pytest.mark.parametrize("option", ["--repeats", "--n-estimators"])
def test_benchmark_counts_below_one_are_refused(option, capsys, monkeypatch):
    import transferkit._cli as cli

    monkeypatch.setattr(cli, "run_benchmark", lambda *a, **k: [])
    assert main(["benchmark", "mushroom", option, "0"]) == 2
    assert f"{option} must be at least 1, got 0" in capsys.readouterr().err


def test_unknown_benchmark_option_exits_2(capsys):
    assert main(["benchmark", "mushroom", "--pair", "all"]) == 2
    err = capsys.readouterr().err
    assert "takes no option(s) ['pair']" in err and len(err.splitlines()) == 1


def test_selection_protocol_must_be_known(capsys):
    from transferkit._cli import main

    assert main(["benchmark", "selection", "--protocol", "leave-one-out"]) == 2
    assert "protocol must be 'leave-one-family-out'" in capsys.readouterr().err
