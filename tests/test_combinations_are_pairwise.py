import itertools

from .combinations import COMBINATIONS, FIELDS
from .conftest import TEMPLATE


def choices():
    import json

    context = json.loads((TEMPLATE / "cookiecutter.json").read_text(encoding="utf-8"))
    return {name: context[name] if isinstance(context[name], list) else [True, False] for name in FIELDS}


def test_every_value_of_every_prompt_is_generated():
    for name, values in choices().items():
        assert {answers[name] for answers in COMBINATIONS} == set(values), name


def test_every_pair_of_values_is_generated():
    values = choices()
    for first, second in itertools.combinations(FIELDS, 2):
        wanted = set(itertools.product(values[first], values[second]))
        seen = {(answers[first], answers[second]) for answers in COMBINATIONS}
        assert seen == wanted, (first, second, wanted - seen)
