"""Zhili (治理): a district government's 12345 hotline work orders and the government tasks beside them."""

__version__ = "0.1.0"
