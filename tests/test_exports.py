"""The public surface is declared once, in tradeflows.__all__."""

import tradeflows


def test_all_exports_exist_and_belong_to_tradeflows():
    for name in tradeflows.__all__:
        member = getattr(tradeflows, name)
        if name == "__version__":
            assert isinstance(member, str)
            continue
        # A sub-package (tradeflows.indicators) is exported too: it is named by __name__.
        module = getattr(member, "__module__", None) or getattr(member, "__name__", "")
        assert module.startswith("tradeflows"), f"{name} comes from {module}"


def test_every_error_is_a_tradeflows_error():
    errors = [getattr(tradeflows, n) for n in tradeflows.__all__ if n.endswith("Error")]
    assert tradeflows.TradeflowsError in errors
    assert all(issubclass(e, tradeflows.TradeflowsError) for e in errors)
