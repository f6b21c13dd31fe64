"""Tender, bid, evaluation and award records arrive with the registry (enterprises, people, bid
sections) they link to. The module keeps a models module meanwhile: Django sends ``post_migrate``
only for apps that have one, and core's after-migrate set-up runs on the last app's signal."""
