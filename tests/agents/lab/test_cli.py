from __future__ import annotations

import pytest

from agents.lab.cli import parse, spec_from


def test_cli_defaults_calibrate_held_out_and_leave_the_zero_point_to_the_method() -> None:
    spec = spec_from(parse(["--method", "awq"]))
    assert (spec.calib_corpus, spec.calib_start, spec.float_zero) == ("pydoc_topics", None, None)
    assert not spec.awq_duo and not spec.awq_feed_quantized


def test_cli_passes_calibration_and_awq_options_to_the_spec() -> None:
    argv = [
        "--calib-corpus",
        "licenses",
        "--calib-start",
        "100",
        "--int-zero",
        "--duo",
        "--feed-quantized",
    ]
    spec = spec_from(parse(argv))
    assert (spec.calib_corpus, spec.calib_start, spec.float_zero) == ("licenses", 100, False)
    assert spec.awq_duo and spec.awq_feed_quantized
    assert spec_from(parse(["--float-zero"])).float_zero is True


def test_cli_refuses_both_zero_point_kinds(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        parse(["--float-zero", "--int-zero"])
    assert "not allowed with argument" in capsys.readouterr().err
