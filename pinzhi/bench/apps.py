from django.apps import AppConfig


class BenchConfig(AppConfig):
    """The benchmark harness: only its `pinzhi bench` command; no models."""

    name = "pinzhi.bench"
    label = "bench"
    verbose_name = "benchmarks"
