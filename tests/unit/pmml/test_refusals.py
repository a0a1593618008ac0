"""Every refusal: unsafe XML, limits, broken numbers, unsupported elements (with paths)."""

from __future__ import annotations

import pytest
from pgchurn.plpython.pmml import (
    InvalidDocument,
    PmmlError,
    UnsafeDocument,
    UnsupportedElement,
    compile_pmml,
)

NS = 'xmlns="http://www.dmg.org/PMML-4_4" version="4.4"'


def tree_doc(
    node: str = '<Node score="1"><True/></Node>',
    tree_attrs: str = 'functionName="regression"',
    extra: str = "",
) -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<PMML {NS}>
  <Header><Application name="hand"/></Header>
  <DataDictionary>
    <DataField name="y" optype="continuous" dataType="double"/>
    <DataField name="x" optype="continuous" dataType="double"/>
    <DataField name="c" optype="categorical" dataType="string"><Value value="a"/></DataField>
  </DataDictionary>
  <TreeModel {tree_attrs}>
    <MiningSchema>
      <MiningField name="y" usageType="target"/>
      <MiningField name="x"/>
      <MiningField name="c" invalidValueTreatment="asIs"/>
    </MiningSchema>
    {extra}
    {node}
  </TreeModel>
</PMML>"""


def test_a_minimal_hand_written_tree_compiles_and_scores():
    node = """<Node score="0"><True/>
      <Node score="1"><SimplePredicate field="x" operator="lessOrEqual" value="2"/></Node>
      <Node score="2"><True/></Node></Node>"""
    model = compile_pmml(tree_doc(node))
    assert model.score({"x": 1.5}) == 1.0
    assert model.score({"x": 2.5}) == 2.0


def test_doctype_is_refused():
    text = tree_doc().replace("<PMML", "<!DOCTYPE PMML [<!ELEMENT PMML ANY>]>\n<PMML", 1)
    with pytest.raises(UnsafeDocument, match="DOCTYPE"):
        compile_pmml(text)


def test_billion_laughs_is_refused_before_expansion():
    lol = "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
    text = f'<?xml version="1.0"?><!DOCTYPE PMML [<!ENTITY lol0 "lol">{lol}]><PMML>&lol9;</PMML>'
    with pytest.raises(UnsafeDocument):
        compile_pmml(text)


def test_external_entity_is_refused(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("top secret")
    text = (
        f'<?xml version="1.0"?><!DOCTYPE PMML [<!ENTITY x SYSTEM "file://{secret}">]>'
        f"<PMML {NS}>&x;</PMML>"
    )
    with pytest.raises(UnsafeDocument) as info:
        compile_pmml(text)
    assert "top secret" not in str(info.value)


def test_undeclared_entity_is_invalid_xml():
    with pytest.raises(InvalidDocument, match="not well-formed"):
        compile_pmml(f"<PMML {NS}>&nope;</PMML>")


def test_size_limit_is_configurable():
    text = tree_doc()
    with pytest.raises(UnsafeDocument, match="max_bytes"):
        compile_pmml(text, max_bytes=100)
    assert compile_pmml(text, max_bytes=len(text) + 1).score({"x": 1.0}) == 1.0


def test_deep_nesting_is_refused_without_recursion():
    depth = 100_000
    text = f"<PMML {NS}>" + "<Extension>" * depth + "</Extension>" * depth + "</PMML>"
    with pytest.raises(UnsafeDocument, match="deeper than 200"):
        compile_pmml(text)


def test_depth_limit_is_configurable():
    with pytest.raises(UnsafeDocument, match="deeper than 3"):
        compile_pmml(tree_doc(), max_depth=3)


@pytest.mark.parametrize("bad", ["NaN", "INF", "-INF", "1e301", "-5e305", "1_0", "0x10", " "])
def test_broken_numbers_are_refused(bad):
    node = f'<Node score="0"><True/><ScoreDistribution value="1" recordCount="{bad}"/></Node>'
    with pytest.raises(PmmlError) as info:
        compile_pmml(tree_doc(node))
    assert "recordCount" in str(info.value)
    assert "/PMML/TreeModel/Node/ScoreDistribution" in str(info.value)


@pytest.mark.parametrize("bad", ["NaN", "1e999", "abc"])
def test_broken_thresholds_are_refused(bad):
    node = f"""<Node score="0"><True/>
      <Node score="1"><SimplePredicate field="x" operator="lessOrEqual" value="{bad}"/></Node></Node>"""
    with pytest.raises(PmmlError, match="value"):
        compile_pmml(tree_doc(node))


def test_infinite_threshold_is_allowed_in_comparisons_only():
    node = """<Node score="0"><True/>
      <Node score="1"><SimplePredicate field="x" operator="lessOrEqual" value="INF"/></Node></Node>"""
    assert compile_pmml(tree_doc(node)).score({"x": 1e300}) == 1.0
    node = node.replace("lessOrEqual", "equal")
    with pytest.raises(UnsafeDocument):
        compile_pmml(tree_doc(node))


def test_unsupported_element_is_named_with_its_path():
    node = """<Node score="0"><True/>
      <Node score="1"><True/></Node>
      <Node score="2"><True/><Partition name="p"/></Node></Node>"""
    with pytest.raises(UnsupportedElement) as info:
        compile_pmml(tree_doc(node))
    message = str(info.value)
    assert "/PMML/TreeModel/Node/Node[2]/Partition" in message
    assert "Fix:" in message


@pytest.mark.parametrize(
    ("tree_attrs", "word"),
    [
        ('functionName="regression" missingValueStrategy="aggregateNodes"', "aggregateNodes"),
        ('functionName="regression" noTrueChildStrategy="guess"', "guess"),
        ('functionName="clustering"', "clustering"),
        ('functionName="regression" isScorable="false"', "isScorable"),
        ('functionName="regression" x-foo="1"', "x-foo"),
    ],
)
def test_unsupported_attribute_values_are_refused(tree_attrs, word):
    with pytest.raises(PmmlError, match=word):
        compile_pmml(tree_doc(tree_attrs=tree_attrs))


def test_unsupported_apply_function_is_refused():
    extra = """<LocalTransformations><DerivedField name="z" optype="continuous" dataType="double">
      <Apply function="x-mystery"><FieldRef field="x"/></Apply></DerivedField></LocalTransformations>"""
    node = """<Node score="0"><True/>
      <Node score="1"><SimplePredicate field="z" operator="lessOrEqual" value="2"/></Node></Node>"""
    with pytest.raises(UnsupportedElement, match="x-mystery"):
        compile_pmml(tree_doc(node, extra=extra))


def test_unknown_field_is_invalid():
    node = """<Node score="0"><True/>
      <Node score="1"><SimplePredicate field="nope" operator="lessOrEqual" value="2"/></Node></Node>"""
    with pytest.raises(InvalidDocument, match="nope"):
        compile_pmml(tree_doc(node))


def test_extension_and_header_are_ignored():
    node = '<Node score="1"><Extension name="x"><Anything deep="1"/></Extension><True/></Node>'
    assert compile_pmml(tree_doc(node)).score({}) == 1.0


def test_multiclass_targets_are_refused():
    text = tree_doc(tree_attrs='functionName="classification"').replace(
        '<DataField name="y" optype="continuous" dataType="double"/>',
        '<DataField name="y" optype="categorical" dataType="string">'
        '<Value value="a"/><Value value="b"/><Value value="c"/></DataField>',
    )
    with pytest.raises(UnsupportedElement, match="exactly two classes"):
        compile_pmml(text)


def test_non_pmml_namespace_is_refused():
    with pytest.raises(UnsupportedElement, match="namespace"):
        compile_pmml('<PMML xmlns="http://example.com/x" version="4.4"/>')


def test_missing_value_without_treatment_gives_no_prediction():
    node = """<Node score="0"><True/>
      <Node score="1"><SimplePredicate field="x" operator="lessOrEqual" value="2"/></Node></Node>"""
    model = compile_pmml(
        tree_doc(node, tree_attrs='functionName="regression" missingValueStrategy="nullPrediction"')
    )
    from pgchurn.plpython.pmml import InvalidInput

    with pytest.raises(InvalidInput, match="missing"):
        model.score({"x": None})
