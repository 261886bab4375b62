from django.apps import AppConfig


class PerfConfig(AppConfig):
    """Performance tooling: the synthetic data generator and the benchmark."""

    name = "kontor.perf"
    label = "perf"
