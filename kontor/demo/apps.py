from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "kontor.demo"
    label = "demo"
