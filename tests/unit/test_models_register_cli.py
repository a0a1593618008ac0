"""`pgchurn models register`: what it says before it reaches a database."""

from click.testing import CliRunner

from pgchurn.cli import main


def test_help_shows_an_example_and_the_options():
    out = CliRunner().invoke(main, ["models", "register", "--help"]).output
    assert "pgchurn models register churn_gbdt.pmml" in out
    assert "--name" in out and "--activate" in out and "file's stem" in out


def test_a_missing_file_is_one_line_naming_it(tmp_path):
    missing = tmp_path / "nope.pmml"
    result = CliRunner().invoke(main, ["models", "register", str(missing)])
    assert result.exit_code == 1
    assert result.output.strip() == f"pgchurn: error: {missing}: no such file"


def test_a_binary_file_is_refused_naming_it(tmp_path):
    binary = tmp_path / "model.pmml"
    binary.write_bytes(b"<PMML>\xff\xfe</PMML>")
    result = CliRunner().invoke(main, ["models", "register", str(binary)])
    assert result.exit_code == 1 and f"{binary} is not UTF-8 text (byte 6)" in result.output
