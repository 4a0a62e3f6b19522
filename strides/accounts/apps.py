from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "strides.accounts"
    label = "accounts"
