import pytest

from riskassess import yamlfiles


def test_it_reads_unquoted_yes_and_no_as_strings():
    data = yamlfiles.load("INQ-01: yes\nINQ-02: no\nscale: [{key: yes}, {key: no}, {key: on}]\n")
    assert data == {
        "INQ-01": "yes",
        "INQ-02": "no",
        "scale": [{"key": "yes"}, {"key": "no"}, {"key": "on"}],
    }


def test_it_still_reads_true_and_false_as_booleans():
    assert yamlfiles.load("a: true\nb: False") == {"a": True, "b": False}


def test_it_refuses_duplicate_keys_with_the_line():
    with pytest.raises(yamlfiles.FileFormatError, match="line 2: duplicate key 'INQ-01'"):
        yamlfiles.load("INQ-01: yes\nINQ-01: no\n")


def test_it_reports_where_malformed_yaml_breaks():
    with pytest.raises(yamlfiles.FileFormatError, match="malformed YAML: line 2, column 4"):
        yamlfiles.load("a: 1\nb: : x\n")


def test_it_refuses_nul_bytes():
    with pytest.raises(yamlfiles.FileFormatError, match="NUL byte"):
        yamlfiles.load(b"a: b\x00c")


def test_it_refuses_non_utf8_bytes():
    with pytest.raises(yamlfiles.FileFormatError, match="not UTF-8"):
        yamlfiles.load("a: café".encode("latin-1"))


def test_it_writes_yes_quoted_so_any_yaml_reader_reads_a_string():
    text = yamlfiles.dump({"key": "yes"})
    assert text == "key: 'yes'\n"
    assert yamlfiles.load(text) == {"key": "yes"}
