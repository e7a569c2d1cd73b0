"""Zhili's database backends: Django's own, with the few changes Zhili's workload needs."""
