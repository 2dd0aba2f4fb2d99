"""The periods the integration tests read the synthetic worlds (tests/conftest.py ``worlds``) over."""

BASELINE, AFTER = (2019, 2021), (2022, 2024)
